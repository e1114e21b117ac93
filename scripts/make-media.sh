#!/usr/bin/env bash
# Generates the tiny media files the mock server serves as downloads:
#   assets/default.mp4 - ~2 s, 160x90 H.264 (libx264) + mono AAC, +faststart
#   assets/audio.m4a   - ~2 s, mono AAC sine tone in an MP4 (M4A) container
# Requires Debian's ffmpeg (apt-get install -y ffmpeg), which ships libx264.
# Output is as deterministic as ffmpeg allows (bitexact flags, no metadata,
# single thread); bytes may still differ across ffmpeg/x264 versions.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/assets"
mkdir -p "$out"

global=(-hide_banner -loglevel error -y)
outopts=(-threads 1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact
  -map_metadata -1 -map_chapters -1)

ffmpeg "${global[@]}" \
  -f lavfi -i "testsrc2=size=160x90:rate=10:duration=2" \
  -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=2" \
  -map 0:v -map 1:a \
  -c:v libx264 -preset veryslow -crf 35 -pix_fmt yuv420p -g 20 \
  -c:a aac -b:a 24k -ac 1 \
  "${outopts[@]}" -shortest -movflags +faststart \
  "$out/default.mp4"

ffmpeg "${global[@]}" \
  -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=2" \
  -c:a aac -b:a 24k -ac 1 \
  "${outopts[@]}" -movflags +faststart -f ipod \
  "$out/audio.m4a"

ls -l "$out/default.mp4" "$out/audio.m4a"
