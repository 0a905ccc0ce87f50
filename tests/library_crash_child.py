"""A library that chats, switches, renames, deletes and undoes at random, forever, until it is
killed; run by tests/test_library_crash.py. After each step it prints the chats it has kept and
trashed as one JSON line, so the test knows what must survive the kill."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])

from core.library import ChatLibrary, LibraryError
from core.requests import GenerateRequest
from core.session import ChatSession
from core.settings import GenerationSettings


def main() -> None:
    data, seed = Path(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    requests: list[GenerateRequest] = []
    library = ChatLibrary(data)
    library.remove_stale_temporaries()
    library.scan()
    session = ChatSession(library, requests.append, GenerationSettings())
    session.start()
    session.model_loaded("crash-test")
    words = "dogs love the sea and so do I " * rng.randint(1, 400)
    while True:
        step = rng.choice(["reply", "reply", "switch", "rename", "delete", "undo", "new"])
        chats = [c for c in library.chats.values() if c.path is not None]
        try:
            if step == "reply":
                session.send(f"Question {rng.random()}")
                session.reply_finished(requests[-1].request_id, words, {"tokens": 3})
            elif step == "switch" and chats:
                session.set_draft(session.current, f"draft {rng.random()}")  # type: ignore[arg-type]
                session.select(rng.choice(chats))
            elif step == "rename" and chats:
                library.rename(rng.choice(chats), f"Title {rng.random()}")
            elif step == "delete" and chats:
                victim = rng.choice(chats)
                if victim is session.current:
                    session.new_chat()
                library.delete(victim)
            elif step == "undo":
                library.undo_delete()
            elif step == "new":
                session.new_chat()
        except LibraryError:
            continue
        kept = sorted(c.chat_id for c in library.chats.values() if c.path is not None)
        print(json.dumps({"kept": kept, "trashed": len(library.trash())}), flush=True)


if __name__ == "__main__":
    main()
