#!/usr/bin/env bash
# Takes the README's screenshots under Xvfb, with a real chat model: starts Confab on a
# fresh data folder in the given theme, captures the welcome panel once the model is loaded,
# asks a few questions in three chats by typing with xdotool, and captures the chat. Needs
# xvfb, xdotool and imagemagick (Debian packages) and a model folder (default: SmolLM2
# unpacked into .cache/smollm2, as .ci/run does).
#   docs/screenshots.sh [MODEL] [light|dark]   (no theme: both, one after the other)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-.cache/smollm2}
if [ -z "${2:-}" ]; then
  "$0" "$model" light
  exec "$0" "$model" dark
fi
theme=$2
if [ "$theme" = light ]; then out=docs/screenshot.png; else out=docs/screenshot-$theme.png; fi
welcome=docs/screenshot-welcome-$theme.png
data=$(mktemp -d)
display=:93
Xvfb "$display" -screen 0 1280x820x24 >/dev/null 2>&1 &
xvfb=$!
app=""
finish() {
  if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$data"
}
trap finish EXIT
export DISPLAY=$display QT_QPA_PLATFORM=xcb
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
python main.py --offline --model "$model" --data-dir "$data" --engine transformers \
  --theme "$theme" &
app=$!
log="$data/logs/confab.log"

wait_for() {  # wait_for COMMAND... : until it succeeds, at most 3 minutes
  for _ in $(seq 1 900); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "timed out waiting for: $*" >&2; return 1
}
replies() { cat "$data"/chats/*.confab.json 2>/dev/null | grep -c '"role": "assistant"' || true; }
answered() { test "$(replies)" -ge "$asked"; }

window=""
for _ in $(seq 1 300); do
  # The main window's title is "<chat> — Confab" (the bare "Confab" one is Qt's own).
  window=$(xdotool search --name " — Confab" 2>/dev/null | head -n 1) && [ -n "$window" ] && break
  kill -0 "$app" || { echo "Confab exited" >&2; exit 1; }
  sleep 0.2
done
xdotool windowsize "$window" 1240 780 windowmove "$window" 20 20
# Xvfb has no window manager to give the window focus, and Qt runs window shortcuts (Ctrl+N)
# only in the focused window.
xdotool windowfocus --sync "$window"
wait_for grep -q "loaded " "$log"
sleep 1
import -window root "$welcome"
echo "wrote $welcome"
asked=0
ask() {
  xdotool type --delay 20 "$1"
  xdotool key Return
  asked=$((asked + 1))
  wait_for answered
}
ask "What is the capital of France?"
ask "What else is it famous for?"
xdotool key ctrl+n
ask "Give me a tip for a rainy weekend."
xdotool key ctrl+n
ask "How do I make a cup of tea? Answer with a short list."
xdotool type --delay 20 "Thanks! And"
sleep 1
import -window root "$out"
echo "wrote $out"
