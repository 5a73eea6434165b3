# One image for every service: the compiled `bazaar` binary. Which modules a
# container runs is its command line (see compose.yaml).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY . .
# --include: the web module reads its pages' assets from disk at start-up.
RUN deno install && deno compile -A --include modules/web/assets --output /out/bazaar mod.ts

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 bazaar
COPY --from=build /out/bazaar /usr/local/bin/bazaar
USER bazaar
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/bazaar"]
CMD ["--help"]
