#!/usr/bin/env bash
# Decode + augment benchmark of data-ingest (one thread = per core): OpenCV/libjpeg-turbo against
# TwelveMonkeys and the JDK's plain ImageIO, on generated 500x375 JPEGs and on the small
# Fashion-MNIST JPEGs (../shared/datasets when present, else the bundled sample).
# Usage: benchmarks/ingest/run.sh [seconds per measurement, default 4]
# Writes benchmarks/results/ingest-decode.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -pl data-ingest -am install -DskipTests
mvn -B -q -pl data-ingest test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
CP="data-ingest/target/test-classes:data-ingest/target/classes:$(cat data-ingest/target/bench.classpath)"
java -Xmx2g -Dmicronet.repo="$PWD" -cp "$CP" org.micronet.ingest.bench.DecodeBenchmark \
  benchmarks/results/ingest-decode.md "${1:-4}"
