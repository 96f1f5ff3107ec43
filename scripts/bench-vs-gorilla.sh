#!/usr/bin/env bash
# The comparison with gorilla's chat example (and Centrifugo) is bench/compare.sh; this name runs it.
exec bash "$(dirname "$0")/../bench/compare.sh" "$@"
