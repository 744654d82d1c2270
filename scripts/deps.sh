# Sourced by the scripts: ensure_packages <debian package>...
# Installs whichever of the packages are missing (apt-get update only then).
# Works as root on a fresh Debian 12; otherwise uses sudo when it exists.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing missing packages: ${missing[*]}"
    local run=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            run=(sudo)
        else
            echo "error: packages missing (${missing[*]}) and not running as root" >&2
            return 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${run[@]}" apt-get update -q &&
        "${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}
