"""`lti-tool clr sample/verify/revoke/rotate-key/map`: exit codes and plain answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result


def _sample(cli: Callable[..., Result], tmp_path: Path) -> Path:
    out = cli(
        "clr", "sample", "--out", str(tmp_path / "out"), "--learners", "1", "--competencies", "2"
    )
    assert out.exit_code == 0, out.output
    return tmp_path / "out" / "record-1.json"


def test_a_sample_record_verifies(cli, tmp_path):
    record = _sample(cli, tmp_path)
    out = cli("clr", "verify", str(record))
    assert out.exit_code == 0, out.output
    assert out.output.startswith("VERIFIED")
    assert "did:web:tool.example.edu" in out.output


def test_a_tampered_record_exits_1_with_the_reason(cli, tmp_path):
    record = _sample(cli, tmp_path)
    document = json.loads(record.read_text())
    document["credentialSubject"]["verifiableCredential"][0]["name"] = "Something else"
    record.write_text(json.dumps(document))
    out = cli("clr", "verify", str(record), "--json")
    assert out.exit_code == 1
    verdict = json.loads(out.output)
    assert verdict["verified"] is False
    assert any("invalid signature" in reason for reason in verdict["reasons"])


def test_bad_input_exits_2(cli, tmp_path):
    garbage = tmp_path / "x.json"
    garbage.write_text("[1, 2")
    assert cli("clr", "verify", str(garbage)).exit_code == 2
    assert cli("clr", "verify", str(tmp_path / "missing.json")).exit_code == 2
    record = _sample(cli, tmp_path)
    out = cli("clr", "verify", str(record), "--now", "yesterday")
    assert out.exit_code == 2
    assert "--now" in out.output


def test_revoking_makes_the_record_fail(cli, tmp_path):
    record = _sample(cli, tmp_path)
    credential_id = json.loads(record.read_text())["id"]
    assert cli("clr", "revoke", credential_id, "--reason", "   ").exit_code == 1
    out = cli("clr", "revoke", credential_id, "--reason", "issued in error")
    assert out.exit_code == 0, out.output
    assert "Revoked 3 credential(s)" in out.output
    verified = cli("clr", "verify", str(record))
    assert verified.exit_code == 1
    assert "revocation" in verified.output
    again = cli("clr", "revoke", credential_id, "--reason", "twice")
    assert again.exit_code == 1 and "already revoked" in again.output
    assert cli("clr", "revoke", "urn:uuid:nope", "--reason", "x").exit_code == 1
    assert cli("clr", "revoke", "urn:uuid:\x00", "--reason", "x").exit_code == 1


def test_old_records_verify_after_the_key_rotates(cli, tmp_path):
    record = _sample(cli, tmp_path)
    rotated = cli("clr", "rotate-key")
    assert rotated.exit_code == 0 and "New credential key" in rotated.output
    assert cli("clr", "verify", str(record)).exit_code == 0
    cli("clr", "map", "--out", str(tmp_path / "map.json"))
    did = next(iter(json.loads((tmp_path / "map.json").read_text())["documents"].values()))
    assert [m["type"] for m in did["verificationMethod"]].count("Multikey") == 2


def test_another_issuers_record_needs_an_offline_map(cli, tmp_path):
    vectors = Path(__file__).resolve().parents[1] / "data" / "clr"
    out = cli("clr", "verify", str(vectors / "clr_signed_credential.json"))
    assert out.exit_code == 1
    assert "cannot be resolved" in out.output
    keypair = json.loads((vectors / "clr_keypair.json").read_text())
    controller = {
        "id": keypair["controller"],
        "verificationMethod": [
            {
                "id": keypair["id"],
                "type": "Multikey",
                "controller": keypair["controller"],
                "publicKeyMultibase": keypair["publicKeyMultibase"],
            }
        ],
    }
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"documents": {keypair["controller"]: controller}}))
    out = cli("clr", "verify", str(vectors / "clr_signed_credential.json"), "--map", str(mapping))
    assert "invalid signature" not in out.output
    assert "cannot be resolved" not in out.output


def test_export_writes_an_archive_verifiable_offline(cli, tmp_path):
    import zipfile

    _sample(cli, tmp_path)
    out = cli("clr", "export", "--out", str(tmp_path / "records.zip"))
    assert out.exit_code == 0, out.output
    assert "Exported 1 record(s)" in out.output
    with zipfile.ZipFile(tmp_path / "records.zip") as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        assert len(manifest) == 1 and not manifest[0]["revoked"]
        assert set(manifest[0]["files"]) <= set(names) and "map.json" in names
        assert archive.read(manifest[0]["files"][2]).startswith(b"%PDF")
        (tmp_path / "r.json").write_bytes(archive.read(manifest[0]["files"][0]))
        (tmp_path / "map.json").write_bytes(archive.read("map.json"))
    assert (
        cli(
            "clr", "verify", str(tmp_path / "r.json"), "--map", str(tmp_path / "map.json")
        ).exit_code
        == 0
    )


def test_export_refuses_unknown_ids_and_empty_sets(cli, tmp_path):
    out = cli("clr", "export", "--out", str(tmp_path / "x.zip"))
    assert out.exit_code == 1 and "no issued records" in out.output
    _sample(cli, tmp_path)
    out = cli("clr", "export", "--out", str(tmp_path / "x.zip"), "--id", "urn:uuid:nope")
    assert out.exit_code == 1 and "urn:uuid:nope" in out.output
    assert not (tmp_path / "x.zip").exists()
    out = cli("clr", "export", "--out", str(tmp_path / "missing" / "x.zip"))
    assert out.exit_code == 2
