// Where the weight fixtures live (made by scripts/fixtures/weights_*.py).
import { fileURLToPath } from 'node:url';

export const weightsDir = fileURLToPath(new URL('../../../../test/fixtures/weights/', import.meta.url));
