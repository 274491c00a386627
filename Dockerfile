# syntax=docker/dockerfile:1
# Balai: a static, non-root image. Build: docker build -t balai .
# Run:   docker run -p 8080:8080 -v balai-data:/data balai
# The public listener (web chat, webhooks, /healthz ok/not ok) is on 0.0.0.0:8080; the admin
# listener (/metrics, detailed /healthz) stays on the container's loopback unless
# BALAI_ADMIN_ADDR says otherwise (e.g. -e BALAI_ADMIN_ADDR=0.0.0.0:9090 on a private network).

FROM golang:1.27-bookworm AS build
# The toolchain go.mod names (security fixes); the go command fetches it from the module proxy.
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
RUN go test ./faq/... ./knowledge/... \
 && go build -trimpath -ldflags="-s -w" -o /out/balai ./cmd/balai \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/balai /usr/local/bin/balai
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV BALAI_DATA_DIR=/data BALAI_HTTP_ADDR=0.0.0.0:8080 BALAI_ADMIN_ADDR=127.0.0.1:9090
USER nonroot:nonroot
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/balai"]
CMD ["serve"]
