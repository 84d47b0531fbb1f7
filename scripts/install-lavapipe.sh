#!/usr/bin/env bash
# Gives a machine without a GPU a software WebGPU adapter: Mesa's lavapipe (Vulkan on the CPU), which
# Dawn (npm `webgpu`) then finds. Dawn needs Mesa >= 24; Debian bookworm ships 22.3, so there it comes
# from bookworm-backports. Idempotent: safe to run on every CI run. Needs root and apt-get.
set -euo pipefail
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0; }
icd_ok() {
  ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 &&
    ldconfig -p | grep -q 'libvulkan.so.1' &&
    dpkg --compare-versions "$(mesa_version)" ge 24
}
if icd_ok; then echo "lavapipe: already installed ($(mesa_version))"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "lavapipe: needs root and apt-get. Install Mesa >= 24 'mesa-vulkan-drivers' and 'libvulkan1' yourself." >&2
  exit 1
fi
. /etc/os-release
target=()
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  # Reuse the Debian mirror apt already uses: 'URIs:' lines (deb822) or 'deb URL' lines, comments skipped.
  mirror=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -E '^URIs:' | awk '{print $2}';
              cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -E '^deb ' | awk '{print $2}'; } |
            grep -E '/debian/?$' | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "deb ${mirror%/} bookworm-backports main" > /etc/apt/sources.list.d/bookworm-backports.list
  target=(-t bookworm-backports)
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${target[@]}" \
  mesa-vulkan-drivers libvulkan1 >/dev/null
if icd_ok; then echo "lavapipe: installed $(mesa_version)"; else echo "lavapipe: install failed" >&2; exit 1; fi
