#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Quick start's main job: set up and build, then run printk_sample from
# the build tree until Ctrl-C. Arguments go to printk_sample.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
cd "$(dirname "$0")/.."
scripts/setup.sh
exec src/tools/printk_sample "$@"
