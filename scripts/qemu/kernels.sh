#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# kernels.sh - fetch the Debian kernels the QEMU test tier boots.
#
# Usage: scripts/qemu/kernels.sh [--update] [--series "6.1 6.12"] [DIR]
#
# Why: the developer and CI hosts run a kernel without kprobes, so kprobe and
# kretprobe code is proven inside Debian's stock kernels booted under QEMU.
# For each series this script
#   1. resolves a release V whose linux-image and linux-headers packages have
#      the same version:
#        6.1:  what linux-image-amd64 depends on (6.1.0-N-amd64), and
#              linux-headers-amd64 must agree;
#        6.12 (and any other series S): the newest linux-image-S.N+debNN-amd64
#              that also has linux-headers-S.N+debNN-amd64;
#   2. `apt-get download`s linux-image-V and unpacks it with `dpkg -x` into
#      DIR/kernels/V/image.  It is NEVER installed as the host's kernel;
#   3. installs linux-headers-V with apt-get, so /lib/modules/V/build and
#      /lib/modules/V/source exist on the host and the guest, which chroots
#      into the host's /, compiles BPF programs against exactly matching
#      headers.  Where the headers package depends on the image package
#      (the 6.12 backports do), a local stub package providing that image
#      name is installed first, so apt never installs the image;
#   4. builds DIR/kernels/V/initramfs.cpio.gz: static busybox,
#      scripts/qemu/guest-init.sh as /init, and the image's virtio/9p, ext4,
#      xfs and loop modules with their dependencies in load order (from
#      `depmod -b` on the unpacked image), decompressed because busybox
#      insmod cannot read .ko.xz/.ko.zst.
# DIR/kernels/current lists "SERIES V" for the kernels resolved last; run.sh
# and tests/qemu/qemu.test boot those.
#
# DIR defaults to $BPFRUN_QEMU_DIR, else $abs_top_builddir/qemu, else ./qemu:
# run it from the top of the build tree (the `qemu/` there is gitignored).
#
# Idempotent: a kernel that is unpacked, whose headers are installed and
# whose initramfs is up to date is left alone, and no network is used then.
# Versions are resolved from the current apt lists; `apt-get update` runs
# only when they cannot resolve a series or a download fails, or with
# --update (which also picks up newer kernels).
#
# Needs root (apt-get, dpkg, mknod); re-runs itself through sudo otherwise.
# Installs what it needs: busybox-static cpio kmod xz-utils zstd
# qemu-system-x86 python3-bpfcc.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

usage() {
	cat <<'EOF'
Usage: scripts/qemu/kernels.sh [--update] [--series "6.1 6.12"] [DIR]

Fetch Debian kernel images (unpacked, not installed) and install their
matching headers for the QEMU test tier; build a busybox initramfs per kernel.

  --update        run apt-get update first and re-resolve to the newest kernels
  --series LIST   series to fetch (default "6.1 6.12")
  DIR             where to put kernels/ (default: $BPFRUN_QEMU_DIR,
                  $abs_top_builddir/qemu or ./qemu)

Prints "SERIES RELEASE" for each kernel ready, as DIR/kernels/current lists.
EOF
}

orig_args=("$@")
update=
series="6.1 6.12"
dir=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--update) update=1 ;;
	--series)
		[ $# -ge 2 ] || qemu_die "--series needs an argument"
		series=$2
		shift
		;;
	--series=*) series=${1#--series=} ;;
	--) shift; break ;;
	-*) qemu_die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
	shift
done
if [ $# -gt 1 ]; then qemu_die "too many arguments (see --help)"; fi
dir=${1:-$(qemu_default_dir)}

qemu_need_root "${orig_args[@]}"

# Everything the tier needs on the host: the tools used here, QEMU for
# run.sh, and bcc's Python module, which guest-tests.sh uses to prove that
# kprobes work in the guest independently of bpfrun's own commands.
qemu_need_pkgs busybox-static cpio kmod xz-utils zstd qemu-system-x86 python3-bpfcc

mkdir -p "$dir/kernels"
dir=$(cd "$dir" && pwd)
kernels=$dir/kernels

[ -n "$update" ] && qemu_apt_update

# Candidate version of a package in the apt lists, empty when none.
candidate() {
	apt-cache policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: //p' | grep -v '^(none)$' || true
}

# Print "V VERSION" for a series, or nothing.
resolve_series() {
	local s=$1 v vi vh
	if [ "$s" = 6.1 ]; then
		# Bookworm's meta packages point at the current 6.1.0-N ABI.
		v=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\(6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
		local vhm
		vhm=$(apt-cache depends linux-headers-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-headers-\(6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
		[ -n "$v" ] || return 0
		if [ "$vhm" != "$v" ]; then
			qemu_log "linux-image-amd64 gives $v but linux-headers-amd64 gives ${vhm:-nothing}: using $v"
		fi
		vi=$(candidate "linux-image-$v")
		vh=$(candidate "linux-headers-$v")
		if [ -n "$vi" ] && [ "$vi" = "$vh" ]; then
			echo "$v $vi"
		fi
		return 0
	fi
	local re=${s//./\\.}
	for v in $(apt-cache pkgnames "linux-image-$s." 2>/dev/null |
		sed -n "s/^linux-image-\\($re\\.[0-9]*+deb[0-9]*-amd64\\)\$/\\1/p" | sort -rV); do
		vi=$(candidate "linux-image-$v")
		vh=$(candidate "linux-headers-$v")
		if [ -n "$vi" ] && [ "$vi" = "$vh" ]; then
			echo "$v $vi"
			return 0
		fi
	done
}

# apt-get download into a private directory.  APT::Sandbox::User=root: the
# _apt user cannot write into a root-owned build tree.
download() {
	local pkg=$1 into=$2
	(cd "$into" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2)
}

fetch_image() {
	local v=$1 ver=$2 kdir=$kernels/$1 debs=$kernels/.debs deb
	if [ -f "$kdir/image.ok" ] && [ "$(cat "$kdir/image.ok")" = "$ver" ] &&
		[ -f "$kdir/image/boot/vmlinuz-$v" ]; then
		return 0
	fi
	qemu_log "$v: downloading linux-image-$v $ver"
	mkdir -p "$debs" "$kdir"
	rm -f "$debs"/linux-image-"$v"_*.deb
	if ! download "linux-image-$v=$ver" "$debs"; then
		qemu_apt_update
		download "linux-image-$v=$ver" "$debs" ||
			qemu_die "cannot download linux-image-$v=$ver"
	fi
	deb=$(ls "$debs"/linux-image-"$v"_*.deb)
	rm -rf "$kdir/image" "$kdir/image.tmp" "$kdir/image.ok"
	dpkg -x "$deb" "$kdir/image.tmp"
	mv "$kdir/image.tmp" "$kdir/image"
	rm -f "$deb"
	echo "$ver" >"$kdir/image.ok"
}

# A package that Provides linux-image-V (= VERSION), so apt considers the
# headers' dependency on the image met without installing a kernel.
install_image_stub() {
	local v=$1 ver=$2 name tmp
	name=bpfrun-qemu-image-stub-$v
	if qemu_pkg_installed "$name" &&
		[ "$(dpkg-query -W -f='${Version}' "$name")" = "$ver" ]; then
		return 0
	fi
	qemu_log "$v: installing $name (provides linux-image-$v, installs no kernel)"
	tmp=$(mktemp -d)
	mkdir "$tmp/pkg" "$tmp/pkg/DEBIAN"
	cat >"$tmp/pkg/DEBIAN/control" <<EOF
Package: $name
Version: $ver
Architecture: all
Section: kernel
Priority: optional
Maintainer: bpfrun QEMU tests <root@localhost>
Provides: linux-image-$v (= $ver)
Description: stand-in for linux-image-$v (installs no kernel)
 bpfrun's QEMU test tier boots linux-image-$v from a copy unpacked with
 dpkg -x and needs only the matching linux-headers-$v on the host, which
 depends on the image package.  This empty package satisfies that dependency
 so that the host keeps its own kernel.
EOF
	dpkg-deb --root-owner-group --build "$tmp/pkg" "$tmp/stub.deb" >/dev/null
	dpkg -i "$tmp/stub.deb" >&2 || qemu_die "cannot install $name"
	rm -rf "$tmp"
}

install_headers() {
	local v=$1 ver=$2
	if qemu_pkg_installed "linux-headers-$v" &&
		[ "$(dpkg-query -W -f='${Version}' "linux-headers-$v")" = "$ver" ] &&
		[ -e "/lib/modules/$v/build" ] && [ -e "/lib/modules/$v/source" ]; then
		return 0
	fi
	if apt-cache show "linux-headers-$v=$ver" 2>/dev/null |
		sed -n 's/^Depends: //p' | grep -qF "linux-image-$v "; then
		install_image_stub "$v" "$ver"
	fi
	qemu_log "$v: apt-get install linux-headers-$v=$ver"
	if ! DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
		install --no-install-recommends "linux-headers-$v=$ver" >&2; then
		qemu_apt_update
		DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
			install --no-install-recommends "linux-headers-$v=$ver" >&2 ||
			qemu_die "cannot install linux-headers-$v=$ver"
	fi
	# Refuse to go on if apt pulled the image in after all.
	if qemu_pkg_installed "linux-image-$v"; then
		qemu_die "linux-image-$v got installed on the host; remove it (apt-get remove linux-image-$v)"
	fi
	if [ ! -e "/lib/modules/$v/build" ] || [ ! -e "/lib/modules/$v/source" ]; then
		qemu_die "linux-headers-$v installed but /lib/modules/$v/{build,source} missing"
	fi
}

# Modules to load, in this order, each after its own dependencies.  Some are
# built in, or do not exist, depending on the release (6.12 builds virtio in
# and folds fscache into netfs): those are skipped.  ext4 (with the crc32c
# its checksums need), xfs and loop: file systems on loop devices, as
# Debian machines have them, for bcc's ext4dist, ext4slower, xfsdist and
# xfsslower.
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p crc32c_generic ext4 xfs loop"
# What 9p over virtio-pci cannot do without.
REQUIRED="virtio_pci 9pnet_virtio 9p"

# Stamp of everything an initramfs is built from: rebuild when any changes.
initramfs_stamp() {
	local v=$1
	{
		echo "modules: $MODULES"
		sha256sum "$here/guest-init.sh" /bin/busybox "$0" | cut -d' ' -f1
		cat "$kernels/$v/image.ok"
	} | sha256sum | cut -d' ' -f1
}

build_initramfs() {
	local v=$1 kdir=$kernels/$1 moddir stage stamp m
	moddir=$kdir/image/lib/modules/$v
	stamp=$(initramfs_stamp "$v")
	if [ -f "$kdir/initramfs.cpio.gz" ] && [ -f "$kdir/initramfs.stamp" ] &&
		[ "$(cat "$kdir/initramfs.stamp")" = "$stamp" ]; then
		return 0
	fi
	qemu_log "$v: building initramfs"
	[ -f "$moddir/modules.dep" ] || depmod -b "$kdir/image" "$v"

	stage=$(mktemp -d "$kdir/initramfs.XXXXXX")
	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
		"$stage/host" "$stage/lib/modules"
	cp /bin/busybox "$stage/bin/busybox"
	install -m 755 "$here/guest-init.sh" "$stage/init"
	# The kernel opens /dev/console for init before devtmpfs is mounted.
	mknod -m 600 "$stage/dev/console" c 5 1
	: >"$stage/lib/modules/order"

	local -A seen=()
	# add_module PATH: PATH relative to moddir, as in modules.dep.
	add_module() {
		local rel=$1 name deps d
		name=${rel##*/}
		name=${name%%.ko*}
		[ -n "${seen[$name]:-}" ] && return 0
		seen[$name]=1
		deps=$(awk -v k="$rel:" '$1 == k { $1 = ""; print; exit }' "$moddir/modules.dep")
		for d in $deps; do add_module "$d"; done
		case $rel in
		*.ko.xz) xz -dc "$moddir/$rel" ;;
		*.ko.zst) zstd -q -dc "$moddir/$rel" ;;
		*.ko.gz) gzip -dc "$moddir/$rel" ;;
		*.ko) cat "$moddir/$rel" ;;
		*) qemu_die "$v: unknown module file $rel" ;;
		esac >"$stage/lib/modules/$name.ko"
		echo "$name" >>"$stage/lib/modules/order"
	}
	local rel
	for m in $MODULES; do
		rel=$(awk -F: -v m="$m" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); if (n == m) { print $1; exit } }' "$moddir/modules.dep")
		if [ -n "$rel" ]; then
			add_module "$rel"
		elif grep -qE "/$m\\.ko\$" "$moddir/modules.builtin"; then
			: # built in
		else
			case " $REQUIRED " in
			*" $m "*) qemu_die "$v: module $m is neither a module nor built in" ;;
			esac
		fi
	done
	qemu_log "$v: modules: $(tr '\n' ' ' <"$stage/lib/modules/order")"

	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -9 >"$kdir/initramfs.cpio.gz.tmp"
	mv "$kdir/initramfs.cpio.gz.tmp" "$kdir/initramfs.cpio.gz"
	rm -rf "$stage"
	echo "$stamp" >"$kdir/initramfs.stamp"
	# run.sh refuses an initramfs whose /init is not the guest-init.sh
	# beside it: the two agree on what the scratch export holds.
	sha256sum "$here/guest-init.sh" | cut -d' ' -f1 >"$kdir/initramfs.init"
}

resolved=()
for s in $series; do
	r=$(resolve_series "$s")
	if [ -z "$r" ] && [ -z "$qemu_apt_updated" ]; then
		qemu_apt_update
		r=$(resolve_series "$s")
	fi
	[ -n "$r" ] || qemu_die "series $s: no linux-image/linux-headers pair of the same version in the apt lists"
	resolved+=("$s $r")
done

: >"$kernels/current.tmp"
for e in "${resolved[@]}"; do
	read -r s v ver <<<"$e"
	fetch_image "$v" "$ver"
	install_headers "$v" "$ver"
	build_initramfs "$v"
	ln -sfn "image/boot/vmlinuz-$v" "$kernels/$v/vmlinuz"
	echo "$s $v" >>"$kernels/current.tmp"
done
mv "$kernels/current.tmp" "$kernels/current"
# Drop unpacked kernels of the series just resolved that are no longer
# current (an older 6.12 after --update): they are downloads of a few hundred
# MB each.  Other series are left alone.  Installed headers stay.
for d in "$kernels"/*/; do
	d=${d%/}
	v=${d##*/}
	[ -f "$d/image.ok" ] || continue
	[[ $v =~ ^([0-9]+\.[0-9]+) ]] || continue
	case " $series " in *" ${BASH_REMATCH[1]} "*) ;; *) continue ;; esac
	if ! awk -v v="$v" '$2 == v { found = 1 } END { exit !found }' "$kernels/current"; then
		qemu_log "removing $d (no longer current)"
		rm -rf "$d"
	fi
done
cat "$kernels/current"
