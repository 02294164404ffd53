#!/usr/bin/env bash
# Train, export and pack the embedded model on a lent GPU (the device tool's run), from runs/prep made on the CPU:
#   run: OUT=$OUT CONFIG='{"minutes": 6.5}' bash models/train_on_device.sh   carry: ["runs/prep"]
# The model comes back as model.tgz.part-* (15 MiB pieces): cat model.tgz.part-* | tar -xzf - -C models/
set -o pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | tee "$OUT/train.log"
$PY -m translate_cli.training train --prep runs/prep --run /tmp/run --config "$CONFIG" 2>&1 | tee -a "$OUT/train.log"
$PY -m translate_cli.training export --run /tmp/run --out /tmp/pack/id-en-small 2>&1 | tee -a "$OUT/train.log"
cp /tmp/run/meta.json "$OUT/meta.json" 2>/dev/null
tar -C /tmp/pack -cf - id-en-small | gzip -1 | split -b 15M - "$OUT/model.tgz.part-"
ls -la "$OUT" | tee -a "$OUT/train.log"
