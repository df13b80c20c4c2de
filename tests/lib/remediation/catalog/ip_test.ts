import assert from "node:assert/strict";
import {
  addressClass,
  canonicalIp,
  netContains,
  parseIpNet,
} from "@/lib/remediation/catalog/ip.ts";

Deno.test("[remediation] ip: strict parsing and canonical text", () => {
  const ok: Array<[string, string]> = [
    ["203.0.113.7", "203.0.113.7"],
    ["0.0.0.0", "0.0.0.0"],
    ["198.51.100.0/24", "198.51.100.0/24"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["2001:db8:1:2::/64", "2001:db8:1:2::/64"],
  ];
  for (const [input, canonical] of ok) assert.equal(parseIpNet(input)?.canonical, canonical, input);
  const bad = [
    "",
    " 1.2.3.4",
    "1.2.3.4 ",
    "01.2.3.4",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.4/33",
    "1.2.3.4/024",
    "1.2.3.4/",
    "198.51.100.7/24",
    "2001:db8::1::2",
    "2001:db8:::1",
    "1:2:3:4:5:6:7:8:9",
    "1::2:3:4:5:6:7:8",
    "fe80::1%eth0",
    "[2001:db8::1]",
    "2001:db8::g",
    "12345::",
    "1.2.3.4::",
    "::1.2.3",
    "1.2.3.4;id",
    "١.2.3.4",
    "0x7f.0.0.1",
    "127.1",
  ];
  for (const input of bad) assert.equal(parseIpNet(input), null, JSON.stringify(input));
});

Deno.test("[remediation] ip: mapped addresses, containment and classes", () => {
  assert.equal(canonicalIp("::FFFF:203.0.113.7"), "203.0.113.7");
  assert.equal(canonicalIp("198.51.100.0/24"), null);
  const net = parseIpNet("198.51.100.0/24")!;
  assert.equal(netContains(net, parseIpNet("198.51.100.255")!), true);
  assert.equal(netContains(net, parseIpNet("::ffff:198.51.100.9")!), true);
  assert.equal(netContains(net, parseIpNet("198.51.101.0")!), false);
  assert.equal(netContains(parseIpNet("2001:db8::/64")!, parseIpNet("2001:db8::abcd")!), true);
  const classes: Array<[string, string]> = [
    ["203.0.113.7", "public"],
    ["8.8.8.8", "public"],
    ["10.1.2.3", "private"],
    ["172.31.0.1", "private"],
    ["172.32.0.1", "public"],
    ["100.64.1.1", "private"],
    ["169.254.1.1", "link_local"],
    ["127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::/64", "unspecified"],
    ["::ffff:1.2.3.4", "v4_mapped"],
    ["fd00::1", "private"],
    ["fe80::1", "link_local"],
    ["ff02::1", "multicast"],
    ["2001:db8::7", "public"],
  ];
  for (const [ip, cls] of classes) assert.equal(addressClass(parseIpNet(ip)!), cls, ip);
});
