# The action's image: one static binary and a CA bundle, FROM scratch; and, from the same
# builder, a variant for GitLab CI/CD with a static BusyBox shell (GitLab's runner starts
# every job with `sh`, so it cannot use a FROM scratch image).
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t devopness-status-hooks .
#   docker buildx build --platform linux/amd64,linux/arm64 --target gitlab \
#       -t devopness-status-hooks:gitlab .
#
# The last stage (`action`) is the default target: the one the runner builds when
# action.yml says `image: Dockerfile`, and the one GitHub Actions and Bitbucket Pipes run.
#
# Needs BuildKit (the default builder of current Docker); no `# syntax=` line, so no
# frontend image is pulled (the runner builds this file when action.yml names it).
# The builder always runs on the build machine's own architecture ($BUILDPLATFORM) and
# cross-compiles for $TARGETARCH with Debian's cross gcc, so an arm64 image needs no
# emulated compiler. The binary is glibc linked statically (`+crt-static`, a static-pie);
# glibc's resolver reads /etc/hosts and /etc/resolv.conf without NSS modules, which is all
# the action needs. The binary's TLS roots are compiled in (webpki-roots); the image also
# carries the usual CA bundle at /etc/ssl/certs/ca-certificates.crt, from Debian.

# ---------------------------------------------------------------------------- toolchain
# A literal tag (no ARG) so that Dependabot can update it; keep the Rust version in step
# with RUST_TOOLCHAIN in .github/workflows/ci.yml.
FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS toolchain
ARG TARGETARCH
ARG BUILDARCH
# Debian names its native gcc <triple>-gcc too, so these hold for native and cross builds.
ENV CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=x86_64-linux-gnu-gcc \
    CC_x86_64_unknown_linux_gnu=x86_64-linux-gnu-gcc \
    AR_x86_64_unknown_linux_gnu=x86_64-linux-gnu-ar \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
    AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
    CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0
# (The fallbacks keep a build without BuildKit's platform arguments working natively.)
RUN set -eux; \
    target_arch="${TARGETARCH:-$(dpkg --print-architecture)}"; \
    build_arch="${BUILDARCH:-$(dpkg --print-architecture)}"; \
    case "${target_arch}" in \
      amd64) triple=x86_64-unknown-linux-gnu;  gcc_pkg=gcc-x86-64-linux-gnu; libc_pkg=libc6-dev-amd64-cross ;; \
      arm64) triple=aarch64-unknown-linux-gnu; gcc_pkg=gcc-aarch64-linux-gnu; libc_pkg=libc6-dev-arm64-cross ;; \
      *) echo "unsupported target architecture '${target_arch}' (amd64 and arm64 only)" >&2; exit 1 ;; \
    esac; \
    if [ "${target_arch}" != "${build_arch}" ]; then \
      apt-get update; \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${gcc_pkg}" "${libc_pkg}"; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    rustup target add "${triple}"; \
    echo "${triple}" > /rust-target

# ---------------------------------------------------------------------------- skeleton
# The workspace's manifests and lock file with every target root replaced by a stub, so
# the dependency layer below is reused until a manifest or Cargo.lock changes. Every
# workspace member (crates/*) is kept: cargo must load all of them. Timestamps are fixed
# so that builders which hash them (buildah) see the same skeleton too.
FROM toolchain AS skeleton
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /skeleton; \
    cp Cargo.lock /skeleton/; \
    find . -name Cargo.toml -not -path './target/*' | while read -r manifest; do \
      dir=$(dirname "$manifest"); \
      mkdir -p "/skeleton/$dir"; \
      cp "$manifest" "/skeleton/$manifest"; \
      for root in build.rs src/lib.rs src/main.rs src/bin/*.rs src/bin/*/main.rs \
                  tests/*.rs benches/*.rs examples/*.rs; do \
        [ -f "$dir/$root" ] || continue; \
        mkdir -p "$(dirname "/skeleton/$dir/$root")"; \
        printf '#![allow(dead_code)]\nfn main() {}\n' > "/skeleton/$dir/$root"; \
      done; \
    done; \
    find /skeleton -depth -exec touch -h -d @0 {} +

# ---------------------------------------------------------------------------- builder
FROM toolchain AS builder
# An SBOM (`docker buildx build --sbom=true`) also scans this stage, so it lists the
# crates of Cargo.lock: the final images hold one opaque static binary.
ARG BUILDKIT_SBOM_SCAN_STAGE=true
WORKDIR /app
ENV RUSTFLAGS="-C target-feature=+crt-static"
# Dependencies only (stub sources): cached until Cargo.toml/Cargo.lock change.
COPY --from=skeleton /skeleton/ ./
RUN cargo build --release --locked --target "$(cat /rust-target)" --bin devopness-status-hooks
# The real sources. COPY keeps the files' own mtimes, which may be older than the stub
# build: touch them so cargo rebuilds the workspace's crates (only those). The grep
# refuses a stub binary (the real one reads INPUT_* variables).
COPY . .
RUN set -eux; \
    triple=$(cat /rust-target); \
    find . -name '*.rs' -not -path './target/*' -exec touch {} +; \
    cargo build --release --locked --target "${triple}" --bin devopness-status-hooks; \
    mkdir -p /out; \
    cp "target/${triple}/release/devopness-status-hooks" /out/; \
    grep -aq 'INPUT_' /out/devopness-status-hooks; \
    ls -l /out/devopness-status-hooks

# ---------------------------------------------------------------------------- busybox
# Debian's busybox-static for the target architecture (downloaded, not run, so no
# emulation), with a link per applet: the GitLab variant's shell and utilities.
FROM toolchain AS busybox
ARG TARGETARCH
COPY scripts/busybox-rootfs /usr/local/bin/busybox-rootfs
RUN busybox-rootfs "${TARGETARCH:-$(dpkg --print-architecture)}" /rootfs

# ---------------------------------------------------------------------------- gitlab
# The GitLab CI/CD variant (published with a `-gitlab` tag suffix): the same binary, on
# PATH, beside BusyBox's `sh`. No CA bundle: the binary's TLS roots are compiled in
# (SSL_CERT_FILE and `ca-certificate` add more), and this keeps the image under 6 MiB.
# scripts/gitlab-image-test builds this stage as written, from a host-built binary.
FROM scratch AS gitlab
LABEL org.opencontainers.image.title="devopness-status-hooks (GitLab CI/CD)" \
      org.opencontainers.image.description="Give Devopness deploy pipelines the outgoing hooks that post commit statuses, and keep them correct. With a BusyBox shell for GitLab's runner." \
      org.opencontainers.image.licenses="MIT AND GPL-2.0-only"
COPY --from=busybox /rootfs/ /
COPY --from=builder /out/devopness-status-hooks /usr/local/bin/devopness-status-hooks
ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
# No USER: root, like the action image (GitLab's runner makes the build directory as root).
ENTRYPOINT ["/usr/local/bin/devopness-status-hooks"]

# ---------------------------------------------------------------------------- action
# The default target: GitHub Actions (action.yml) and Bitbucket Pipes (pipe.yml).
FROM scratch AS action
LABEL org.opencontainers.image.title="devopness-status-hooks" \
      org.opencontainers.image.description="Give Devopness deploy pipelines the outgoing hooks that post commit statuses, and keep them correct." \
      org.opencontainers.image.licenses="MIT"
COPY --from=toolchain /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=builder /out/devopness-status-hooks /devopness-status-hooks
# No USER: the runner mounts the file-command files writable by root only.
ENTRYPOINT ["/devopness-status-hooks"]
