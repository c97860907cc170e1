# fabcheck's image: the command-line tool, and the pod `fabcheck check --probe in-cluster`
# runs inside the cluster (`fabcheck probe-in-cluster`, with the image's entrypoint).
#
#   docker build -t fabcheck:dev .
#   fabcheck check --kubeconfig ~/.kube/config --probe in-cluster --probe-image fabcheck:dev

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin fabcheck \
 && install -m 0755 target/release/fabcheck /usr/local/bin/fabcheck

FROM debian:bookworm-slim
# ca-certificates for HTTPS anywhere outside the cluster's own CA; libc-bin for glibc's getent,
# so the image can also serve `fabcheck render dns-probe` (--image). fabcheck's own node DNS probe
# resolves with its glibc-order resolver and needs neither.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libc-bin \
 && rm -rf /var/lib/apt/lists/*
# A numeric non-root user, so a pod's runAsNonRoot can verify it without a name lookup.
RUN groupadd --system --gid 10001 fabcheck \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin fabcheck
COPY --from=build /usr/local/bin/fabcheck /usr/local/bin/fabcheck
USER 10001:10001
ENTRYPOINT ["fabcheck"]
