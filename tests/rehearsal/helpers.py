"""Build rehearsal sessions on the fake LM and the hash embedder, as the CLI does."""

from __future__ import annotations

from pathlib import Path

from sim.cognition.context import Cognition, CognitionConfig
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import FakeLM
from sim.llm.protocol import LanguageModel
from sim.llm.structured import StructuredLM
from sim.rehearsal.partner import Partner
from sim.rehearsal.persona import load_persona
from sim.rehearsal.rubric import load_rubric
from sim.rehearsal.session import RehearsalSession
from sim.rehearsal.store import SessionRow, SessionStore

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "personas" / "rehearsal" / "podcast_host.yaml"
RUBRIC = ROOT / "rubrics" / "podcast_guest.yaml"
SCENARIO = "Interview about my new book on urban farming"


def make_session(
    db: Path | None = None, lm: LanguageModel | None = None, persona: Path = HOST
) -> RehearsalSession:
    """A session with the podcast host, stored in `db` when given."""
    host, rubric = load_persona(persona), load_rubric(RUBRIC)
    row = SessionRow(persona_json=host.model_dump_json(), rubric_json=rubric.model_dump_json(),
                     scenario=SCENARIO, lm="fake", embedder="hash", seed=0)  # fmt: skip
    store = SessionStore(db, row) if db is not None else None
    structured = StructuredLM(lm or FakeLM(0), sink=store.call if store else None)
    cog = Cognition(structured, CognitionConfig(), seed=0)
    partner = Partner(host, SCENARIO, HashEmbedder(), cog)
    return RehearsalSession(partner, rubric, store)
