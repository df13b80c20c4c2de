import { deepEqual, equal } from "node:assert/strict";
import {
  describeOverride,
  mergeFormOverride,
  overrideFormValues,
  overrideFromForm,
} from "@/lib/ui/host_override_form.ts";

Deno.test("[host override form] blank fields inherit; whole numbers become numbers", () => {
  deepEqual(
    overrideFromForm({ cooldownSec: " 60 ", retryAttempts: "2", queueTtlMin: "", profile: "" }),
    { ok: true, overrides: { cooldownSec: 60, retry: { attempts: 2 } } },
  );
  deepEqual(overrideFromForm({}), { ok: true, overrides: {} });
  deepEqual(overrideFromForm({ profile: "strict", approvalThreshold: "guarded_auto" }), {
    ok: true,
    overrides: { profile: "strict", approvalThreshold: "guarded_auto" },
  });
});

Deno.test("[host override form] every field that is not a whole number is named", () => {
  const result = overrideFromForm({ cooldownSec: "1.5", retryAttempts: "-1", queueTtlMin: "9" });
  equal(result.ok, false);
  if (!result.ok) deepEqual(Object.keys(result.errors), ["cooldownSec", "retryAttempts"]);
});

Deno.test("[host override form] saving keeps the knobs the form does not show", () => {
  const stored = { maxSteps: 10, cooldownSec: 30, retry: { attempts: 3, baseSec: 5 } };
  deepEqual(mergeFormOverride(stored, { cooldownSec: 60 }), {
    maxSteps: 10,
    cooldownSec: 60,
    retry: { baseSec: 5 },
  });
  deepEqual(mergeFormOverride(stored, { retry: { attempts: 1 } }), {
    maxSteps: 10,
    retry: { baseSec: 5, attempts: 1 },
  });
  deepEqual(mergeFormOverride(null, {}), {});
});

Deno.test("[host override form] stored values back into the form, and in words", () => {
  const stored = {
    profile: "strict" as const,
    cooldownSec: 900,
    retry: { attempts: 2 },
    maxSteps: 5,
  };
  deepEqual(overrideFormValues(stored), {
    cooldownSec: "900",
    retryAttempts: "2",
    profile: "strict",
  });
  equal(
    describeOverride(stored),
    "profile strict · Cooldown per action 900 s · Delivery attempts 2 · maxSteps 5",
  );
  equal(describeOverride({}), "none");
});

Deno.test("[host override form] a retry backoff set through the API is described, not 'none'", () => {
  const text = describeOverride({ retry: { baseSec: 5, maxSec: 60 } });
  equal(text, "retry backoff from 5 s · retry backoff at most 60 s");
});
