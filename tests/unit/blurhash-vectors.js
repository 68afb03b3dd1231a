// blurhash-vectors.js: the reference vectors of tests/unit/test-blurhash.c,
// made with the reference encoder, the npm package blurhash (woltapp).
//
//   cd "$(mktemp -d)" && npm install blurhash@2.0.5 &&
//   NODE_PATH="$PWD/node_modules" node /path/to/tests/unit/blurhash-vectors.js \
//     > /path/to/tests/unit/blurhash-vectors.h
//
// Each vector's pixels are made the same way here and in the test:
// pattern 0 is a pseudo-random RGBA image (the LCG below), 1 a diagonal
// gradient, 2 one flat colour with a bright square off-centre.
const { encode } = require('blurhash');

function pixels(pattern, w, h, seed) {
  const px = new Uint8ClampedArray(w * h * 4);
  let x = seed >>> 0;
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w; i++) {
      const o = (y * w + i) * 4;
      for (let c = 0; c < 4; c++) {
        let v;
        if (pattern === 0) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          v = x >>> 24;
        } else if (pattern === 1) {
          v = c === 3 ? 255 : ((i * 255 / (w - 1 || 1)) * (c + 1) / 3 +
            (y * 255 / (h - 1 || 1)) * (3 - c) / 3) / 2 | 0;
        } else {
          const inside = i >= (w / 4 | 0) && i < (w / 2 | 0) &&
            y >= (h / 2 | 0) && y < (3 * h / 4 | 0);
          v = c === 3 ? 255 : inside ? [250, 220, 40][c] : [30, 60, 90][c];
        }
        px[o + c] = v;
      }
    }
  }
  return px;
}

const cases = [
  // pattern, width, height, seed, components x, y
  [0, 32, 32, 1, 4, 3], [0, 17, 23, 7, 4, 3], [0, 8, 8, 42, 1, 1],
  [0, 64, 40, 3, 9, 9], [0, 5, 3, 11, 3, 5], [1, 32, 24, 0, 4, 3],
  [1, 100, 1, 0, 9, 1], [1, 1, 100, 0, 1, 9], [2, 40, 30, 0, 4, 3],
  [2, 32, 32, 0, 5, 4], [2, 3, 3, 0, 2, 2],
];
console.log('/* Made by tests/unit/blurhash-vectors.js with the npm package');
console.log(' * blurhash ' + require('blurhash/package.json').version +
  ': pattern, width, height, seed, components x and y, hash. */');
for (const [p, w, h, seed, cx, cy] of cases) {
  const hash = encode(pixels(p, w, h, seed), w, h, cx, cy);
  console.log(`{ ${p}, ${w}, ${h}, ${seed}u, ${cx}, ${cy}, "${hash}" },`);
}
