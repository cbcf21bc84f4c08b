# shellcheck shell=bash
# Shared by scripts/gitlab-image-test and scripts/gitlab-ci-test (source it; it runs
# nothing by itself): the Dockerfile's final stages, `gitlab` and `action`, built with
# podman exactly as written, from what the earlier stages would produce.
#
# No base image can be pulled on the development machines, so the stages before the
# final ones (toolchain, builder, busybox) are replaced by their outputs: each
# `COPY --from=STAGE SRC DEST` of a final stage becomes `COPY STAGE/SRC DEST` from a local
# directory. CI's image job builds the whole Dockerfile (buildx, both platforms).
#
# The sourcing script must define `die MESSAGE` (die exits), and run from the repository.

# stage_outputs BINARY CONTEXT: lays out in CONTEXT what the final stages copy: the static
# binary (builder), the host's CA bundle (toolchain) and Debian's busybox-static for this
# machine's architecture (busybox, through scripts/busybox-rootfs: needs root).
stage_outputs() {
    local bin=$1 ctx=$2
    mkdir -p "$ctx/builder/out" "$ctx/toolchain/etc/ssl/certs" "$ctx/busybox"
    cp "$bin" "$ctx/builder/out/devopness-status-hooks"
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/toolchain/etc/ssl/certs/ca-certificates.crt"
    [[ -d $ctx/busybox/rootfs ]] ||
        scripts/busybox-rootfs "$(dpkg --print-architecture)" "$ctx/busybox/rootfs"
}

# final_stage NAME: the Dockerfile's final stage NAME, as written, with COPY --from=STAGE
# made local.
final_stage() {
    awk -v want="FROM scratch AS $1" '
        $0 == want { on = 1; print; next }
        on && (/^FROM / || /^# -----/) { exit }
        on { print }
    ' Dockerfile | sed -E 's#^COPY --from=([a-z]+) /#COPY \1/#'
}

# build_final_stage NAME IMAGE CONTEXT: builds stage NAME from CONTEXT (laid out by
# stage_outputs) with podman, tagged IMAGE.
build_final_stage() {
    local target=$1 image=$2 ctx=$3
    final_stage "$target" >"$ctx/Containerfile.$target"
    grep -q '^FROM scratch AS' "$ctx/Containerfile.$target" || die "no stage '$target' in the Dockerfile"
    if grep -q -- '--from=' "$ctx/Containerfile.$target"; then
        die "stage $target copies from a stage this script cannot stand in for"
    fi
    # --layers=false: no intermediate image is left behind once IMAGE is removed.
    podman build --runtime runc --layers=false -q -t "$image" -f "$ctx/Containerfile.$target" "$ctx" >/dev/null ||
        die "podman could not build the $target stage"
}
