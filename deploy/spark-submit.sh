#!/usr/bin/env bash
# spark-submit for MicroNet jobs with the settings they need (Java 17 add-opens for driver and
# executors, ND4J off-heap caps, locality). Any spark-submit option may come first; the
# micronet command (train, ingest, ...) and its options follow.
# Usage: deploy/spark-submit.sh --master spark://host:7077 [spark-submit options] -- train --config run.yaml [--set k=v]
# Environment: SPARK_HOME (a Spark 3.5 installation, or one made by deploy/spark-home.sh),
# MICRONET_JAR (default: spark-trainer/target/micronet-cluster.jar, built by mvn -Pcluster package),
# MICRONET_SPARK_AUTH (for a spark:// master: the properties file holding the cluster's secret;
# default: the one deploy/standalone-cluster.sh generated in $MICRONET_CLUSTER_DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SPARK_HOME="${SPARK_HOME:-$("$root/deploy/spark-home.sh")}"
export SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
jar="${MICRONET_JAR:-$root/spark-trainer/target/micronet-cluster.jar}"
if [ ! -f "$jar" ]; then
  echo "spark-submit: $jar is missing; building: mvn -q -B -Pcluster -DskipTests package" >&2
  (cd "$root" && mvn -q -B -Pcluster -DskipTests package) >&2
fi
submit=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do submit+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
auth="${MICRONET_SPARK_AUTH:-${MICRONET_CLUSTER_DIR:-$root/target/spark-standalone}/spark-auth.conf}"
if [[ " ${submit[*]} " == *" spark://"* ]]; then
  if [ -f "$auth" ]; then
    submit+=(--properties-file "$auth")
  else
    echo "spark-submit: no $auth; a standalone master started by deploy/standalone-cluster.sh refuses drivers without its secret" >&2
  fi
fi
mapfile -t opens < "$root/deploy/java17-add-opens.conf"
# ND4J's off-heap memory is capped so an executor cannot outgrow its container. JavaCPP's cap on the
# whole process (maxphysicalbytes) is off unless MICRONET_PHYSICAL sets it: it reads /proc for every
# native object ND4J registers, which cost the 2-worker cluster a fifth of its images/s (deploy/README.md)
jvm="${opens[*]} -Dorg.bytedeco.javacpp.maxbytes=${MICRONET_OFFHEAP:-4G} -Dorg.bytedeco.javacpp.maxphysicalbytes=${MICRONET_PHYSICAL:-0}"
if [ -x "$SPARK_HOME/bin/spark-submit" ]; then
  launcher=("$SPARK_HOME/bin/spark-submit")
else  # a SPARK_HOME of jars only: run SparkSubmit directly (the client-mode driver is this JVM)
  launcher=(java "${opens[@]}" -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit)
fi
# parameter averaging waits for every worker each round: tasks are not held back for locality
exec "${launcher[@]}" \
  --conf "spark.driver.extraJavaOptions=$jvm" \
  --conf "spark.executor.extraJavaOptions=$jvm" \
  --conf spark.locality.wait=0s \
  --class org.micronet.cli.MicronetCli "${submit[@]}" "$jar" "$@"
