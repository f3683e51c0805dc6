# syntax=docker/dockerfile:1
# Build: compile main.ts into one self-contained executable (deno compile fetches its runtime).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY cli ./cli
COPY engine ./engine
COPY io ./io
COPY job ./job
COPY rules ./rules
COPY samples ./samples
RUN deno task compile

# Run: the binary alone on a small glibc base, as a non-root user.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/edgecep /usr/local/bin/edgecep
USER nonroot
# SQLite files of the embedded mode may live here (the binary may write nowhere else but /tmp).
VOLUME ["/var/lib/edgecep"]
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/edgecep"]
