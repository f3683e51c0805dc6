# syntax=docker/dockerfile:1
# Base images are pinned by digest, so a rebuild uses the bytes that were tested. To update one,
# pick the new tag and look up its digest, e.g.
#   docker buildx imagetools inspect denoland/deno:2.9.6 --format '{{json .Manifest.Digest}}'
#   docker buildx imagetools inspect gcr.io/distroless/cc-debian12:nonroot --format '{{json .Manifest.Digest}}'
# (or `crane digest IMAGE:TAG`), replace the tag and the @sha256 below, and run the tests.

# Build: compile main.ts into one self-contained executable (deno compile fetches its runtime).
FROM denoland/deno:2.9.6@sha256:2014dc167ece617ef7e7ba40631ac2234c59e75ce693e7cc2dc2602b3c87859d AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY cli ./cli
COPY engine ./engine
COPY io ./io
COPY job ./job
COPY rules ./rules
COPY samples ./samples
COPY scripts ./scripts
RUN deno task compile
# The runtime image has no shell: its data directory is made here and copied with its owner.
RUN mkdir -p /out/var/lib/edgecep

# Run: the binary alone on a small glibc base, as a non-root user (nonroot is uid/gid 65532).
FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
COPY --from=build /src/dist/edgecep /usr/local/bin/edgecep
# SQLite files of the embedded mode may live here (the binary may write nowhere else but /tmp);
# owned by the runtime user, so that the job can write it and a new volume inherits the owner.
COPY --from=build --chown=65532:65532 /out/var/lib/edgecep /var/lib/edgecep
USER nonroot
VOLUME ["/var/lib/edgecep"]
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/edgecep"]
