#!/usr/bin/env bash
# Installs the system libraries SwiftGP links against (OpenBLAS + LAPACKE, SuiteSparse CHOLMOD and CXSparse), and
# Open MPI for the optional distributed fit (swiftgp-mpi, built with SWIFTGP_MPI=1: Package.swift), with apt-get,
# only when they are missing (pkg-config: Package.swift finds Open MPI through `pkg-config ompi`). Quiet when
# everything is present.
set -euo pipefail
needed=(liblapacke-dev libopenblas-dev libsuitesparse-dev libopenmpi-dev openmpi-bin pkg-config)
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
