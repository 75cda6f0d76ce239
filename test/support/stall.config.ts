// The suite's config, running only test/support/stall.fixture.ts (test/watchdog.test.ts).
import base from "../../vitest.config.js";

export default { ...base, test: { ...base.test, include: ["test/support/stall.fixture.ts"] } };
