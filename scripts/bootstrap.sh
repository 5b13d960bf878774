#!/usr/bin/env bash
# Installs the system libraries SwiftGP links against (OpenBLAS + LAPACKE, SuiteSparse CHOLMOD and CXSparse),
# with apt-get, only when they are missing. Quiet when everything is present.
set -euo pipefail
needed=(liblapacke-dev libopenblas-dev libsuitesparse-dev)
missing=()
for pkg in "${needed[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
