# syntax=docker/dockerfile:1

# Build on the builder's own platform and cross-compile: a pure-Go binary needs no emulation
# for other architectures (docker buildx build --platform linux/amd64,linux/arm64 .).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src

# Modules first, so that editing code does not invalidate the download layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w" -o /out/faqbot ./cmd/faqbot

# distroless/static carries CA certificates (for https LLM endpoints and managed Postgres) and
# time zone data, and the :nonroot tag runs as uid/gid 65532. It has no shell, no package
# manager and no curl: nothing for an intruder to use. The health check is the binary itself.
# Orchestrators can also probe GET /healthz (liveness) and GET /readyz (readiness) directly.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faqbot /usr/local/bin/faqbot
USER nonroot:nonroot
# faqbot listens on :8080 unless FAQBOT_ADDR says otherwise.
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/faqbot", "healthcheck"]
# No arguments: serve. Other subcommands run as `docker run IMAGE migrate` etc.
ENTRYPOINT ["/usr/local/bin/faqbot"]
