import multiprocessing
import sys

from faceapp.cli import main

if __name__ == "__main__":
    # The desktop bundle's entry point: a worker process of bulk import or eval-* (spawned,
    # vision/workers.py) starts this executable, and must run the worker, not the app.
    multiprocessing.freeze_support()
    sys.exit(main())
