#!/usr/bin/env bash
# Makes a SPARK_HOME out of the project's own jars (no Spark download needed): jars/ holds
# the trainer's runtime classpath (Spark, Hadoop client, DL4J, ND4J natives for linux-x86_64).
# Prints the SPARK_HOME path.
# Usage: deploy/spark-home.sh [dir]   (default: target/spark-home)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${1:-$root/target/spark-home}"
lib="$root/spark-trainer/target/lib"
if [ ! -d "$lib" ]; then
  echo "spark-home: $lib is missing; building: mvn -q -B -DskipTests package" >&2
  (cd "$root" && mvn -q -B -DskipTests package) >&2
fi
mkdir -p "$home/jars"
cp -u "$lib"/*.jar "$home/jars/"
echo "$home"
