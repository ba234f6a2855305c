#!/bin/sh
# Install a built faceapp folder with a desktop entry, a `faceapp` command and, optionally,
# kiosk autostart for the account that runs this script (the front-desk account).
#
#   build/linux/install.sh DIST [--prefix DIR] [--user] [--kiosk-autostart]
#   build/linux/install.sh --uninstall [--prefix DIR] [--user]
#
# DIST is build/bundle/dist/faceapp-<version> (python build/package.py) or the unpacked
# archive. As root it installs for everyone (/opt/faceapp, /usr/share/applications,
# /usr/local/bin); otherwise, or with --user, for this account only (~/.local/...).
# The attendance database lives in the user's data folder, never in DIR, so reinstalling
# or upgrading keeps it.
set -eu

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
fail() { echo "install.sh: $*" >&2; exit 1; }

DIST="" PREFIX="" USER_MODE="" KIOSK="" UNINSTALL=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || usage; PREFIX=$2; shift 2 ;;
        --user) USER_MODE=1; shift ;;
        --kiosk-autostart) KIOSK=1; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$DIST" ] || usage; DIST=$1; shift ;;
    esac
done

if [ -z "$USER_MODE" ] && [ "$(id -u)" -ne 0 ]; then USER_MODE=1; fi
if [ -n "$USER_MODE" ]; then
    DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
    : "${PREFIX:=$HOME/.local/opt/faceapp}"
    APPS=$DATA_HOME/applications
    BIN=$HOME/.local/bin
else
    : "${PREFIX:=/opt/faceapp}"
    APPS=/usr/share/applications
    BIN=/usr/local/bin
fi
AUTOSTART=${XDG_CONFIG_HOME:-$HOME/.config}/autostart

if [ -n "$UNINSTALL" ]; then
    rm -f "$APPS/faceapp.desktop" "$AUTOSTART/faceapp-kiosk.desktop"
    if [ -L "$BIN/faceapp" ]; then rm -f "$BIN/faceapp"; fi
    rm -rf "$PREFIX"
    echo "removed faceapp from $PREFIX (the attendance database in the data folder is kept)"
    exit 0
fi

[ -n "$DIST" ] || usage
[ -x "$DIST/faceapp" ] || fail "$DIST is not a built faceapp folder (no executable $DIST/faceapp)"
[ -f "$DIST/_internal/models/manifest.json" ] || fail "$DIST has no models (_internal/models/manifest.json)"

# Copy next to the target, then swap: a failed copy (full disk) leaves the old install working.
mkdir -p "$(dirname "$PREFIX")"
STAGE="$PREFIX.new.$$"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$DIST" "$STAGE" || fail "copy to $STAGE failed (disk full?); the installed version is unchanged"
if [ -e "$PREFIX" ]; then
    rm -rf "$PREFIX.old"
    mv "$PREFIX" "$PREFIX.old"
fi
mv "$STAGE" "$PREFIX"
rm -rf "$PREFIX.old"
trap - EXIT

ICON="$PREFIX/_internal/resources/icons/faceapp.png"
desktop_entry() {  # $1 = Name, $2 = extra arguments
    cat <<ENTRY
[Desktop Entry]
Type=Application
Version=1.0
Name=$1
Comment=Face-recognition attendance and door access
Exec="$PREFIX/faceapp"$2
Icon=$ICON
Terminal=false
Categories=Office;
StartupNotify=true
ENTRY
}

mkdir -p "$APPS" "$BIN"
desktop_entry faceapp "" > "$APPS/faceapp.desktop"
ln -sfn "$PREFIX/faceapp" "$BIN/faceapp"
echo "installed $PREFIX, menu entry $APPS/faceapp.desktop, command $BIN/faceapp"

if [ -n "$KIOSK" ]; then
    mkdir -p "$AUTOSTART"
    { desktop_entry "faceapp (kiosk)" " --kiosk"; echo "X-GNOME-Autostart-enabled=true"; } \
        > "$AUTOSTART/faceapp-kiosk.desktop"
    echo "kiosk autostart for $(id -un): $AUTOSTART/faceapp-kiosk.desktop (set an admin PIN in Settings first)"
fi
