# Generated from src/install/facts.ts by scripts/generate-versions-sh.ts (npm run generate:versions); do not edit.
# shellcheck shell=bash disable=SC2034
DEFAULT_AI_GATEWAY_VERSION=v1.1.0
DEFAULT_ENVOY_GATEWAY_VERSION=v1.8.1
