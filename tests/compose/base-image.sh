#!/usr/bin/env bash
# The tier's Python base image, made from Debian packages because no image registry is reachable here:
# debootstrap a minimal Debian 12 (bookworm) with its python3 (3.11), pip and venv, add this machine's CA
# certificates (this network re-signs TLS, and pip inside the builds must trust it), and `docker import` it.
# Test infrastructure only: the shipped Dockerfile keeps python:3.11-slim-bookworm as its default.
#
# Usage: base-image.sh IMAGE WORKDIR. Reuses IMAGE when its label lpm.recipe matches the sha256 of this
# script and the CA files (about 100 s to make otherwise). Needs root, debootstrap and a running engine.
set -euo pipefail
image=$1
work=$2
mirror=${LPM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ca_files=(/usr/local/share/ca-certificates/*.crt)
[[ -e ${ca_files[0]} ]] || ca_files=()

recipe=$(cat "$0" "${ca_files[@]}" | sha256sum | cut -c1-16)
present=$(docker image inspect -f '{{index .Config.Labels "lpm.recipe"}}' "$image" 2>/dev/null || true)
if [[ $present == "$recipe" ]]; then
    echo "base image $image: cached (recipe $recipe)"
    exit 0
fi

echo "base image $image: debootstrap bookworm from $mirror (recipe $recipe; about 100 s)"
rootfs=$work/rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs"
# busybox: the GPT-Load stand-in's wget (tests/compose/standins/Dockerfile).
if ! debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,busybox \
    bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log" >&2
    exit 1
fi
if ((${#ca_files[@]})); then
    cp "${ca_files[@]}" "$rootfs/usr/local/share/ca-certificates/"
fi
chroot "$rootfs" update-ca-certificates >"$work/update-ca-certificates.log" 2>&1
# The names python:*-slim images have: `python` and `pip` on PATH.
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"
ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip3"
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/{doc,man,locale,info}/*
tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL lpm.recipe=$recipe" \
    --change 'CMD ["python3"]' \
    - "$image" >/dev/null
rm -rf "$rootfs"
echo "base image $image: made ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1 / 1e6}'))"
