#!/usr/bin/env bash
# Re-fetches the vendored GraphiQL assets from npm (see SOURCES.md); run by
# hand when upgrading, never by the build.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent react@18.3.1 react-dom@18.3.1 graphiql@3.8.3 >/dev/null)
for pkg in react-18.3.1 react-dom-18.3.1 graphiql-3.8.3; do
  mkdir -p "$tmp/$pkg" && tar xzf "$tmp/$pkg.tgz" -C "$tmp/$pkg"
done
cp "$tmp/react-18.3.1/package/umd/react.production.min.js" .
cp "$tmp/react-dom-18.3.1/package/umd/react-dom.production.min.js" .
cp "$tmp/graphiql-3.8.3/package/graphiql.min.js" "$tmp/graphiql-3.8.3/package/graphiql.min.css" .
cp "$tmp/react-18.3.1/package/LICENSE" LICENSE.react
cp "$tmp/react-dom-18.3.1/package/LICENSE" LICENSE.react-dom
cp "$tmp/graphiql-3.8.3/package/LICENSE" LICENSE.graphiql
sha256sum react.production.min.js react-dom.production.min.js graphiql.min.js graphiql.min.css
