// Writes tests/fixtures/cybertipline/npm/ with the public @civitai/cybertipline-tools
// client's own XML builders (buildReport, buildSubmitFileDetails), not Safeguard's.
//
// Run once, by hand, where the package is installed (the tests read the committed files
// and need neither node nor network):
//   mkdir /tmp/ctjs && cd /tmp/ctjs && npm install @civitai/cybertipline-tools@0.1.0
//   NODE_PATH=/tmp/ctjs/node_modules node scripts/cybertip-npm-fixtures.mjs /tmp/ctjs
//
// Six invented reports in the manifest layout (cybertipline.json names the provider and
// maps report ids to report files; fileDetails documents in files/). File hashes are of the
// bytes "npm file N".
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.argv[2] ?? ".", "node_modules", "x.js"));
const { buildReport, buildSubmitFileDetails } = require("@civitai/cybertipline-tools");

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "tests", "fixtures",
  "cybertipline", "npm");
const FIRST = 400000001;
const digest = (algo, n) => createHash(algo).update(`npm file ${n}`).digest("hex");

function report(n) {
  const uk = n % 2 === 1;
  return buildReport({
    incidentSummary: {
      incidentType: "Child Pornography (possession, manufacture, and distribution)",
      reportAnnotations: { sextortion: n === 1, csamSolicitation: n === 2 },
      incidentDateTime: new Date(Date.UTC(2024, 4, n, 12, 0)),
    },
    incidentDetails: { webPageIncidents: [{ url: [`https://photos.example/p/${n}`] }] },
    reporter: { reportingPerson: { email: [{ email: "safety@photos.example" }] } },
    personOrUserReported: {
      personOrUserReportedPerson: {
        firstName: `Npm${n}`,
        lastName: "Example",
        phone: [{ number: uk ? `7700 9002${n}0` : `202-555-02${n}0`,
                  countryCallingCode: uk ? "+44" : "+1" }],
        email: [{ email: `npm${n}@mail.example`, verified: true }],
        address: [{ city: uk ? "York" : "Austin", zipCode: uk ? "YO1 7HH" : "73301",
                    country: uk ? "GB" : "US" }],
        dateOfBirth: new Date(Date.UTC(1990, 0, n)),
      },
      espIdentifier: `npm-${n}`,
      espService: "ExamplePhotos Share",
      screenName: `npm_user_${n}`,
      displayName: [`Npm User ${n}`, `NU${n}`],
      profileUrl: [`https://photos.example/u/npm-${n}`],
      ipCaptureEvent: [{ ipAddress: `203.0.113.${n}`, eventName: "Login",
                         dateTime: new Date(Date.UTC(2024, 4, n, 9, 0)), possibleProxy: n === 3,
                         port: 30000 + n }],
      deviceId: [{ idType: "IMEI", idValue: `3510000000000${n}0` }],
      estimatedLocation: { city: uk ? "York" : "Austin", region: uk ? "Yorkshire" : "Texas",
                           countryCode: uk ? "GB" : "US" },
      additionalInfo: `note ${n}`,
    },
  });
}

function fileDetails(n) {
  return buildSubmitFileDetails({
    reportId: FIRST + n - 1,
    fileId: `npm-file-${n}`,
    originalFileName: `photo${n}.jpg`,
    locationOfFile: `https://cdn.photos.example/${n}`,
    publiclyAvailable: n % 2 === 0,
    fileAnnotations: { viral: n === 4 },
    originalFileHash: [
      { hashType: "MD5", value: digest("md5", n) },
      { hashType: "SHA1", value: digest("sha1", n) },
      { hashType: "SHA256", value: digest("sha256", n) },
      { hashType: "SHA512", value: digest("sha512", n) },
    ],
    ipCaptureEvent: { ipAddress: `2001:db8:1::${n}`, eventName: "Upload",
                      dateTime: new Date(Date.UTC(2024, 4, n, 9, 5)), port: 60000 + n },
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "reports"), { recursive: true });
mkdirSync(join(out, "files"), { recursive: true });
const reports = {};
for (let n = 1; n <= 6; n++) {
  writeFileSync(join(out, "reports", `report-${n}.xml`), report(n));
  writeFileSync(join(out, "files", `details-${n}.xml`), fileDetails(n));
  reports[String(FIRST + n - 1)] = `reports/report-${n}.xml`;
}
writeFileSync(join(out, "cybertipline.json"), JSON.stringify(
  { format: "ncmec-cybertipline", version: 1, provider: "ExamplePhotos", reports }) + "\n");
console.error(`wrote ${out}`);
