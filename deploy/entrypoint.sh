#!/bin/sh
# Container entrypoint: make the state volume usable, then run the command (CMD: deploy/serve.sh).
#
# State lives in one volume, STALKING_STATE_DIR (/var/lib/stalking):
#   build/    the database the app serves (STALKING_BUILD_DIR), imported boundaries, the form
#             signing key and, by default, the returns workflow's SQLite database
#   returns/  accepted returns, kept for ever (STALKING_RETURNS_DIR)
#   home/     $HOME, for Chromium's and Streamlit's caches
#   access.toml  who may sign in and do what (STALKING_ACCESS_FILE), kept by the admin
# The image carries a database built at image build time, in STALKING_IMAGE_DATABASE_DIR with its
# sha256 (seed.sha256). It is copied into the volume when the volume has none, or when the image's
# database changed (a new image with new data). When the volume holds returns, the database is rebuilt instead (about 2 s), so that it
# includes them. Each step is atomic, so replicas sharing one volume may start together.
set -eu

state="${STALKING_STATE_DIR:-/var/lib/stalking}"
build="${STALKING_BUILD_DIR:-$state/build}"
returns="${STALKING_RETURNS_DIR:-$state/returns}"
image_database="${STALKING_IMAGE_DATABASE_DIR:-/app/data/build}"

for dir in "$build" "$returns" "${HOME:-$state/home}"; do
    mkdir -p "$dir" 2>/dev/null || true
    if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then
        echo "entrypoint: $dir must be a folder that uid $(id -u) can write to" \
             "(a named volume is; a host folder mounted there needs: chown -R $(id -u) FOLDER)" >&2
        exit 1
    fi
done

seed_sha="$(cat "$image_database/seed.sha256" 2>/dev/null || echo none)"
have_sha="$(cat "$build/.seed.sha256" 2>/dev/null || echo missing)"
if [ ! -f "$build/stalking.duckdb" ] || [ "$seed_sha" != "$have_sha" ]; then
    if find "$returns" -maxdepth 1 -type f ! -name '.*' | grep -q .; then
        echo "entrypoint: rebuilding $build/stalking.duckdb with the returns in $returns" >&2
        python -m etl build >&2
    else
        echo "entrypoint: copying the image's database into $build" >&2
        cp "$image_database/stalking.duckdb" "$build/.stalking.duckdb.seed.$$"
        mv -f "$build/.stalking.duckdb.seed.$$" "$build/stalking.duckdb"
    fi
    echo "$seed_sha" > "$build/.seed.sha256.$$" && mv -f "$build/.seed.sha256.$$" "$build/.seed.sha256"
fi

exec "$@"
