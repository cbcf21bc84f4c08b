# shellcheck shell=bash
# Shared by scripts/image-test and scripts/act-test (source it; it runs nothing by itself):
# podman on these machines, the static action binary, and the FROM scratch image made of it.
#
# No base image can be pulled and there is no Docker engine here, so the image is built
# from the host's static binary (glibc, +crt-static) and CA bundle: what the Dockerfile's
# final stage holds. Facts behind the flags: docs/build.md, and docs/runner.md ("Under nektos/act").
#
# The sourcing script must define `log MESSAGE` and `die MESSAGE` (die exits).

SCRATCH_TRIPLE=x86_64-unknown-linux-gnu

# Flags `podman run` needs here: runc (crun fails on these machines) and explicit ulimits
# (without them runc fails with "error setting rlimit type 7/6: operation not permitted").
# The open-files hard limit cannot exceed podman's own.
podman_run_flags() {
    printf '%s\n' --runtime runc --ulimit "nofile=1024:$(ulimit -Hn)" --ulimit nproc=1000:1000
}

# apt_ensure COMMAND[=PACKAGE]...: installs, with apt-get (as root, or through sudo), the
# package of each command that is not on PATH (the package is named like the command
# unless given).
apt_ensure() {
    local spec need=() sudo_cmd=()
    for spec in "$@"; do
        command -v "${spec%%=*}" >/dev/null 2>&1 || need+=("${spec#*=}")
    done
    ((${#need[@]})) || return 0
    log "installing ${need[*]} (apt-get)"
    command -v apt-get >/dev/null 2>&1 ||
        die "${need[*]} missing and apt-get is not available to install them"
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "${need[*]} missing: run as root or install them"
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}" >/dev/null
}

# Installs podman and runc when missing, and prints their versions.
ensure_podman() {
    apt_ensure podman runc
    podman --version
    runc --version | head -n 1
}

# Builds the static action binary and prints its path. TARGET_DIR: cargo's target dir.
build_static_binary() {
    local target_dir=$1
    log "building the static action binary (+crt-static, $SCRATCH_TRIPLE)" >&2
    RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --release --locked --target "$SCRATCH_TRIPLE" --bin devopness-status-hooks >&2
    local bin=$target_dir/$SCRATCH_TRIPLE/release/devopness-status-hooks
    [[ -x $bin ]] || die "no binary at $bin"
    echo "$bin"
}

# build_scratch_image BINARY IMAGE WORKDIR: a FROM scratch image holding the binary (as the
# entrypoint) and the host's CA bundle, tagged IMAGE, built with podman in WORKDIR/context.
build_scratch_image() {
    local bin=$1 image=$2 work=$3
    local ca_bundle=/etc/ssl/certs/ca-certificates.crt
    [[ -s $ca_bundle ]] || die "no CA bundle at $ca_bundle (install ca-certificates)"
    log "building the FROM scratch image $image"
    mkdir -p "$work/context/etc/ssl/certs"
    cp "$bin" "$work/context/devopness-status-hooks"
    cp "$ca_bundle" "$work/context/etc/ssl/certs/ca-certificates.crt"
    cat >"$work/context/Containerfile" <<'EOF'
FROM scratch
COPY etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY devopness-status-hooks /devopness-status-hooks
ENTRYPOINT ["/devopness-status-hooks"]
EOF
    if ! podman build --runtime runc -t "$image" -f "$work/context/Containerfile" "$work/context" \
        >"$work/build.log" 2>&1; then
        cat "$work/build.log" >&2
        die "podman could not build a FROM scratch image on this machine (see above)"
    fi
}
