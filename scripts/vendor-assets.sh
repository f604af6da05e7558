#!/usr/bin/env bash
# Copy the front-end packages named in package.json into static/vendor/, which is committed:
# the platform runs on intranets with no internet, so nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent
rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons/fonts static/vendor/chart.js static/vendor/hls.js static/vendor/sortablejs \
  static/vendor/tom-select
cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/
cp node_modules/bootstrap/LICENSE static/vendor/bootstrap/
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css static/vendor/bootstrap-icons/
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff static/vendor/bootstrap-icons/fonts/
cp node_modules/bootstrap-icons/LICENSE static/vendor/bootstrap-icons/
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map node_modules/chart.js/LICENSE.md static/vendor/chart.js/
cp node_modules/hls.js/dist/hls.min.js node_modules/hls.js/dist/hls.min.js.map node_modules/hls.js/LICENSE static/vendor/hls.js/
cp node_modules/sortablejs/Sortable.min.js node_modules/sortablejs/LICENSE static/vendor/sortablejs/
# The judges' picker (calls): the complete build carries the remove_button plugin it uses.
cp node_modules/tom-select/dist/js/tom-select.complete.min.js node_modules/tom-select/dist/js/tom-select.complete.min.js.map static/vendor/tom-select/
cp node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css.map static/vendor/tom-select/
cp node_modules/tom-select/LICENSE static/vendor/tom-select/
echo "vendored into static/vendor/"
