import assert from "node:assert/strict";
import { join } from "node:path";
import { queryAudit } from "@/lib/audit/query.ts";
import { verifyChain } from "@/lib/audit/verify.ts";
import { GLOBAL_CHAIN } from "@/lib/audit/entry.ts";
import { verifyPassword } from "@/lib/auth/password.ts";
import { getMembership } from "@/lib/orgs/members.ts";
import { countOrgs, getOrgBySlug } from "@/lib/orgs/orgs.ts";
import { countUsers, getUserByEmail } from "@/lib/orgs/users.ts";
import { readLine, runUserCreate } from "@/scripts/user_create.ts";
import { capturedOutput } from "@/scripts/script_output.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedOrg } from "../support/operators.ts";

const PASSWORD = "a long enough passphrase";

function envFor(url: string): Record<string, string> {
  return { APP_ENV: "test", DATABASE_URL: url, DENO_KV_PATH: ":memory:", PASSWORD_HASH_COST: "10" };
}

/** The JSON line user:create prints. */
type Printed = { userId: string; orgId: string; orgSlug: string };

const noStdin = () => Promise.resolve(null);
const stdinWith = (line: string) => () => Promise.resolve(line);

forEachLedger(
  "[scripts] user:create: creates org, user and owner membership; prints one JSON line",
  async (ledger, { url }) => {
    const output = capturedOutput();
    const code = await runUserCreate(
      [
        "--email",
        "Owner@Example.com",
        "--org",
        "acme",
        "--role",
        "owner",
        "--name",
        "Olga",
        "--password",
        PASSWORD,
      ],
      envFor(url),
      noStdin,
      output,
    );
    assert.equal(code, 0, output.stderr.join("\n"));
    assert.equal(output.stdout.length, 1);
    const printed: Printed = JSON.parse(output.stdout[0]);
    assert.deepEqual(Object.keys(printed), ["userId", "orgId", "orgSlug"]);

    const org = await getOrgBySlug(ledger, "acme");
    const user = await getUserByEmail(ledger, "owner@example.com");
    assert.deepEqual(printed, { userId: user?.id, orgId: org?.id, orgSlug: "acme" });
    assert.equal(org?.name, "acme", "named after its slug");
    assert.equal(user?.name, "Olga");
    assert.ok(user?.passwordHash && await verifyPassword(PASSWORD, user.passwordHash));
    assert.ok(user?.passwordHash?.startsWith("scrypt$10$"), "PASSWORD_HASH_COST is used");
    assert.equal(await getMembership(ledger, printed.orgId, printed.userId), "owner");

    const orgTrail = await queryAudit(ledger, printed.orgId);
    assert.deepEqual(orgTrail.entries.map((e) => [e.action, e.actor]), [
      ["org.member.add", { type: "system", id: "user:create" }],
      ["org.create", { type: "system", id: "user:create" }],
    ]);
    const globalTrail = await queryAudit(ledger, GLOBAL_CHAIN);
    assert.deepEqual(globalTrail.entries.map((e) => [e.action, e.target]), [
      ["user.create", { type: "user", id: printed.userId }],
    ]);
    assert.ok((await verifyChain(ledger, printed.orgId)).ok);
  },
);

forEachLedger("[scripts] user:create: password from standard input", async (ledger, { url }) => {
  const output = capturedOutput();
  const code = await runUserCreate(
    ["--email", "stdin@example.com", "--org", "acme", "--role", "admin"],
    envFor(url),
    stdinWith(PASSWORD),
    output,
  );
  assert.equal(code, 0, output.stderr.join("\n"));
  const user = await getUserByEmail(ledger, "stdin@example.com");
  assert.ok(user?.passwordHash && await verifyPassword(PASSWORD, user.passwordHash));
  assert.equal(user?.name, "stdin", "no --name: the e-mail's local part");
});

forEachLedger(
  "[scripts] user:create: an existing user is only added to the new org",
  async (ledger, { url }) => {
    const first = capturedOutput();
    assert.equal(
      await runUserCreate(
        ["--email", "ops@example.com", "--org", "first", "--role", "owner", "--password", PASSWORD],
        envFor(url),
        noStdin,
        first,
      ),
      0,
    );
    const existing = await seedOrg(ledger, "second");
    const output = capturedOutput();
    let asked = false;
    const code = await runUserCreate(
      ["--email", "OPS@example.com", "--org", "second", "--role", "ops"],
      envFor(url),
      () => {
        asked = true;
        return Promise.resolve(null);
      },
      output,
    );
    assert.equal(code, 0, output.stderr.join("\n"));
    assert.equal(asked, false, "no password asked for an existing account");
    const printed = JSON.parse(output.stdout[0]);
    assert.deepEqual(printed, {
      userId: JSON.parse(first.stdout[0]).userId,
      orgId: existing.id,
      orgSlug: "second",
    });
    assert.equal(await getMembership(ledger, existing.id, printed.userId), "ops");
    assert.equal(await countUsers(ledger), 1);
    assert.deepEqual((await queryAudit(ledger, existing.id)).entries.map((e) => e.action), [
      "org.member.add",
    ]);

    // Again with the same role: nothing to do, still success; another role: refused.
    const same = capturedOutput();
    assert.equal(
      await runUserCreate(
        ["--email", "ops@example.com", "--org", "second", "--role", "ops"],
        envFor(url),
        noStdin,
        same,
      ),
      0,
    );
    assert.deepEqual(JSON.parse(same.stdout[0]), printed);
    assert.match(same.stderr.join("\n"), /already ops in second; nothing changed/);
    const other = capturedOutput();
    assert.equal(
      await runUserCreate(
        ["--email", "ops@example.com", "--org", "second", "--role", "admin"],
        envFor(url),
        noStdin,
        other,
      ),
      1,
    );
    assert.deepEqual(other.stdout, []);
    assert.match(other.stderr[0], /already a member of second as ops; change roles in the console/);
    assert.equal(await getMembership(ledger, existing.id, printed.userId), "ops");
  },
);

forEachLedger(
  "[scripts] user:create: bad input exits non-zero with one clear line and writes nothing",
  async (ledger, { url }) => {
    const cases: [string[], (() => Promise<string | null>), RegExp][] = [
      [
        ["--org", "acme", "--role", "owner", "--password", PASSWORD],
        noStdin,
        /--email is required/,
      ],
      [
        ["--email", "x@example.com", "--role", "owner", "--password", PASSWORD],
        noStdin,
        /--org is required/,
      ],
      [
        ["--email", "x@example.com", "--org", "acme", "--password", PASSWORD],
        noStdin,
        /--role is required/,
      ],
      [
        ["--email", "not-an-email", "--org", "acme", "--role", "owner", "--password", PASSWORD],
        noStdin,
        /--email: expected an address like name@example\.com/,
      ],
      [
        [
          "--email",
          "x@example.com",
          "--org",
          "Bad Slug",
          "--role",
          "owner",
          "--password",
          PASSWORD,
        ],
        noStdin,
        /--org: the slug must be 3-40 characters/,
      ],
      [
        ["--email", "x@example.com", "--org", "acme", "--role", "root", "--password", PASSWORD],
        noStdin,
        /--role: expected viewer, ops, admin or owner, got "root"/,
      ],
      [
        ["--email", "x@example.com", "--org", "acme", "--role", "owner", "--password", "short"],
        noStdin,
        /password: must be at least 12 characters/,
      ],
      [
        ["--email", "x@example.com", "--org", "acme", "--role", "owner"],
        noStdin,
        /password: pass --password <p> or one line on standard input/,
      ],
      [
        ["--email", "x@example.com", "--org", "acme", "--role", "owner"],
        stdinWith("tooshort"),
        /password: must be at least 12/,
      ],
      [
        [
          "--email",
          "x@example.com",
          "--org",
          "acme",
          "--role",
          "owner",
          "--name",
          "n".repeat(101),
          "--password",
          PASSWORD,
        ],
        noStdin,
        /--name: expected at most 100/,
      ],
      [
        ["--email", "x@example.com", "--org", "acme", "--role", "owner", "--frobnicate"],
        noStdin,
        /Unknown option '--frobnicate'/,
      ],
    ];
    for (const [args, stdin, message] of cases) {
      const output = capturedOutput();
      assert.equal(await runUserCreate(args, envFor(url), stdin, output), 2, args.join(" "));
      assert.deepEqual(output.stdout, [], args.join(" "));
      assert.equal(output.stderr.length, 1, output.stderr.join("\n"));
      assert.match(output.stderr[0], /^user:create: /);
      assert.match(output.stderr[0], message, args.join(" "));
    }
    const badConfig = capturedOutput();
    assert.equal(
      await runUserCreate(
        ["--email", "x@example.com", "--org", "acme", "--role", "owner", "--password", PASSWORD],
        { ...envFor(url), PASSWORD_HASH_COST: "3" },
        noStdin,
        badConfig,
      ),
      2,
    );
    assert.match(badConfig.stderr[0], /PASSWORD_HASH_COST/);
    assert.equal(await countUsers(ledger), 0);
    assert.equal(await countOrgs(ledger), 0);
    assert.equal((await ledger.db.selectFrom("audit_entries").selectAll().execute()).length, 0);
  },
);

forEachLedger(
  "[scripts] user:create: a conflict found while writing rolls everything back",
  async (ledger, { url }) => {
    // Another process takes the slug after the checks, while the password is being read.
    const output = capturedOutput();
    const code = await runUserCreate(
      ["--email", "late@example.com", "--org", "race", "--role", "owner"],
      envFor(url),
      async () => {
        await seedOrg(ledger, "race");
        return PASSWORD;
      },
      output,
    );
    assert.equal(code, 1);
    assert.deepEqual(output.stdout, []);
    assert.match(
      output.stderr[0],
      /^user:create: slug: "race" is already used by another organization/,
    );
    assert.equal(await countUsers(ledger), 0, "the user insert was rolled back with the org");
    assert.equal((await ledger.db.selectFrom("audit_entries").selectAll().execute()).length, 0);
  },
);

Deno.test("[scripts] user:create: readLine takes one line and handles a raw terminal's keys", async () => {
  const stream = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
  assert.equal(await readLine(stream("secret pass\nnext line\n")), "secret pass");
  assert.equal(await readLine(stream("par", "tial\r\n")), "partial");
  assert.equal(await readLine(stream("no newline")), "no newline");
  assert.equal(await readLine(stream("")), null);
  assert.equal(await readLine(stream("tyxx\u007f\u007fpo!\r")), "typo!");
  assert.equal(await readLine(stream("abort\u0003")), null);
  assert.equal(await readLine(stream("héllo wörld\n")), "héllo wörld");
});

Deno.test("[scripts] user:create: the task entry point reads the password from piped stdin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "user_create_" });
  try {
    const url = `file:${join(dir, "ledger.db")}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../scripts/user_create.ts", import.meta.url).pathname,
        "--email",
        "cli@example.com",
        "--org",
        "cli-org",
        "--role",
        "owner",
      ],
      env: envFor(url),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${PASSWORD}\n`));
    await writer.close();
    const { code, stdout, stderr } = await child.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const lines = new TextDecoder().decode(stdout).trim().split("\n");
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]).orgSlug, "cli-org");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
