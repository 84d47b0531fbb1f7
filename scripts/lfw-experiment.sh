#!/usr/bin/env bash
# FC vs FFC on real faces: train MobileFaceNet on LFW's peopleDevTrain (4,038 identities, 9,525 images)
# and evaluate on pairsDevTest (1,000 pairs of disjoint identities). Usage:
#   scripts/lfw-experiment.sh [lfw root (../shared/data/lfw)] [minutes per run (8)] [out (runs/lfw)]
set -euo pipefail
lfw=${1:-../shared/data/lfw}; minutes=${2:-8}; out=${3:-runs/lfw}
node scripts/lfw-subset.mjs "$lfw" "$lfw/lists/peopleDevTrain.txt" "$out/devtrain"
common=(--data "$out/devtrain" --input 64 --width 0.5 --emb 128 --margin cos --m 0.35 --s 32
        --lr 0.1 --warmup 50 --schedule-kind cosine --minutes "$minutes" --log-every 10 --checkpoint-every 100000)
node dist/cli.js train "${common[@]}" --head fc --batch 64 --out "$out/fc"
node dist/cli.js train "${common[@]}" --head ffc --batch 32 --ratio 0.1 --out "$out/ffc"
for run in fc ffc; do
  node dist/cli.js eval --model "$out/$run" --pairs "$lfw/lists/pairsDevTest.txt" --images "$lfw/images" --flip
done
node dist/cli.js compare "$out/fc" "$out/ffc" --out "$out/compare.md"
