# fabcheck's image: the command-line tool, and the pod `fabcheck check --probe in-cluster`
# runs inside the cluster (`fabcheck probe-in-cluster`, with the image's entrypoint).
#
#   docker build -t fabcheck:dev .
#   fabcheck check --kubeconfig ~/.kube/config --probe in-cluster --probe-image fabcheck:dev
#
# Without a registry or a Rust toolchain in the build (an air-gapped cluster, CI that already
# built the binary), the `prebuilt` target makes the same runtime image from a binary built
# elsewhere: the build context is a folder holding only that binary, named `fabcheck` (glibc,
# built on Debian bookworm or older), and the base can be any Debian bookworm image:
#
#   mkdir ctx && cp target/release/fabcheck ctx/
#   docker build -f Dockerfile --target prebuilt -t fabcheck:dev ctx
#
# Build arguments:
#   BASE_IMAGE    the runtime's base (default debian:bookworm-slim)
#   APT_PACKAGES  what the runtime installs with apt-get; empty for a base that already has
#                 them (the tests build from a debootstrap root filesystem with ca-certificates,
#                 where apt-get cannot reach a mirror)
#
# The stages are ordered so that the classic builder (which builds every stage up to the
# target) also works: `--target prebuilt` never touches the Rust stage, and the default build
# passes through `prebuilt` harmlessly.

ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS runtime
# ca-certificates for HTTPS anywhere outside the cluster's own CA; libc-bin for glibc's getent,
# so the image can also serve `fabcheck render dns-probe` (--image). fabcheck's own node DNS probe
# resolves with its glibc-order resolver and needs neither.
ARG APT_PACKAGES="ca-certificates libc-bin"
RUN if [ -n "$APT_PACKAGES" ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends $APT_PACKAGES \
      && rm -rf /var/lib/apt/lists/*; \
    fi
# A numeric non-root user, so a pod's runAsNonRoot can verify it without a name lookup.
RUN groupadd --system --gid 10001 fabcheck \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin fabcheck
USER 10001:10001
ENTRYPOINT ["fabcheck"]

# The runtime with a binary from the build context (see above).
FROM runtime AS prebuilt
COPY . /usr/local/bin/

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin fabcheck \
 && install -m 0755 target/release/fabcheck /usr/local/bin/fabcheck

FROM runtime
COPY --from=build /usr/local/bin/fabcheck /usr/local/bin/fabcheck
