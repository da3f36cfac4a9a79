#!/bin/sh
# Runs a command inside a private D-Bus session with a fresh, unlocked GNOME Keyring (a Secret
# Service) in a throw-away HOME, so the keychain tests never touch the user's own keyring and
# need no desktop. Needs dbus-run-session (dbus) and gnome-keyring-daemon (gnome-keyring).
set -eu
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT INT TERM
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
dbus-run-session -- sh -c '
  printf %s shoal-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
  exec "$@"' sh "$@"
