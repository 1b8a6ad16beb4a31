# SPDX-License-Identifier: GPL-3.0-or-later
# qsoketi container image: the headless server only (no dashboard, no tests), run as a non-root user.
#   docker build -t qsoketi .
#   docker run --rm -p 6001:6001 -p 9601:9601 -e SOKETI_METRICS_ENABLED=1 -e SOKETI_DEFAULT_APP_SECRET=change-me qsoketi
# Settings are the SOKETI_* variables (docs/configuration.md); several apps: mount a JSON file and add
# `--config /etc/qsoketi/config.json` to the command, or keep them in a database (docs/app-stores.md).

FROM debian:bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake ninja-build g++ pkg-config \
        qt6-base-dev qt6-websockets-dev qt6-httpserver-dev prometheus-cpp-dev libhiredis-dev libnats-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt LICENSE ./
COPY app app
COPY core core
COPY packaging packaging
COPY resources resources
COPY docs docs
COPY .env.example ./
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DQSOKETI_BUILD_GUI=OFF -DQSOKETI_BUILD_TESTS=OFF \
    && cmake --build /build --target qsoketi \
    && strip /build/app/qsoketi

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libqt6core6 libqt6network6 libqt6websockets6 libqt6httpserver6 \
        libqt6sql6 libqt6sql6-sqlite libqt6sql6-psql libqt6sql6-mysql \
        libhiredis0.14 libnats3.4 libprometheus-cpp-core1.0 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin qsoketi
COPY --from=build /build/app/qsoketi /usr/bin/qsoketi
# Listen on every address inside the container; publish the ports you need.
ENV SOKETI_HOST=0.0.0.0 SOKETI_METRICS_HOST=0.0.0.0
WORKDIR /app
USER qsoketi:qsoketi
EXPOSE 6001 9601
# /ready answers 200 while the server accepts clients.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${SOKETI_PORT:-6001}/ready" || exit 1
# SIGTERM: clients get close 4200 and reconnect elsewhere, then the grace period (3 s), then exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/qsoketi"]
CMD ["start", "--no-gui"]
