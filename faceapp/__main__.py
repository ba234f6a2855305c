import multiprocessing
import sys

if __name__ == "__main__":
    # The desktop bundle's entry point: a worker process of bulk import or eval-* (spawned,
    # vision/workers.py) starts this executable again, and must run the worker, not the app,
    # before anything else is imported.
    multiprocessing.freeze_support()
    from faceapp.cli import main

    sys.exit(main())
