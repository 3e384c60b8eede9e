# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers shared by scripts/qemu/*.sh (sourced, not run).
#
# Why a shared file: kernels.sh, run.sh and tests/qemu/qemu.test must agree
# on where the downloaded kernels live and on how missing Debian packages are
# installed, and a fresh CI machine has none of them.

# The directory holding downloaded kernels, initramfs images and run scratch
# directories.  It belongs to the build tree (gitignored `qemu/`), never to git.
# Order: $BPFRUN_QEMU_DIR, $abs_top_builddir/qemu (set by `make check`),
# ./qemu relative to the current directory.
qemu_default_dir() {
	if [ -n "${BPFRUN_QEMU_DIR:-}" ]; then
		printf '%s\n' "$BPFRUN_QEMU_DIR"
	elif [ -n "${abs_top_builddir:-}" ]; then
		printf '%s\n' "$abs_top_builddir/qemu"
	else
		printf '%s\n' "$PWD/qemu"
	fi
}

qemu_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
qemu_die() {
	qemu_log "error: $*"
	exit 2
}

# Re-run the calling script through sudo when not root: apt-get, dpkg and
# QEMU's 9p export of / need root.  Usage: qemu_need_root "$@"
qemu_need_root() {
	[ "$(id -u)" = 0 ] && return 0
	command -v sudo >/dev/null 2>&1 ||
		qemu_die "must run as root and sudo is not installed"
	qemu_log "not root: re-running through sudo"
	exec sudo -E -- "$0" "$@"
}

qemu_apt_updated=
qemu_apt_update() {
	[ -n "$qemu_apt_updated" ] && return 0
	qemu_log "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 \
		update >&2 || qemu_die "apt-get update failed"
	qemu_apt_updated=1
}

qemu_pkg_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# Install the Debian packages given that are not installed yet (quick no-op
# when all are there, so calling it on every run costs nothing).
qemu_need_pkgs() {
	local missing=() p
	for p in "$@"; do
		qemu_pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	qemu_apt_update
	qemu_log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
		install --no-install-recommends "${missing[@]}" >&2 ||
		qemu_die "apt-get install ${missing[*]} failed"
}
