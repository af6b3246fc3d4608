"""The emulator knows Heroku's models: a mistyped or non-chat model fails locally as it would
on Heroku, and a test can add the models it needs (argument, method or pytest marker)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import httpx
import pytest

from heroku_inference import BadRequestError, Client
from heroku_inference.testing import Emulator

PLUGIN = "heroku_inference.testing.pytest_plugin"
_installed = any(ep.value.startswith(PLUGIN) for ep in entry_points(group="pytest11"))
pytest_plugins = [] if _installed else [PLUGIN]

AUTH = {"Authorization": "Bearer inf-test"}
HI: list[Any] = [{"role": "user", "content": "Hi"}]


def post_chat(emu: Emulator, model: str) -> httpx.Response:
    with httpx.Client(transport=emu.transport(), base_url="https://emulator") as http:
        return http.post(
            "/v1/chat/completions", json={"model": model, "messages": HI}, headers=AUTH
        )


def listed(emu: Emulator) -> dict[str, list[str]]:
    with httpx.Client(transport=emu.transport(), base_url="https://emulator") as http:
        return {m["model_id"]: m["type"] for m in http.get("/available-models").json()}


@pytest.fixture
def emu() -> Emulator:
    return Emulator()


def test_an_unknown_model_is_heroku_s_400(emu: Emulator) -> None:
    emu.reply(text="kept for the next valid request")
    response = post_chat(emu, "gpt-nope")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": 400,
            "message": "model 'gpt-nope' is not supported",
            "type": "invalid_request_error",
        }
    }
    assert len(emu.pending) == 1  # a refused request takes no scripted reply


def test_the_sdk_raises_bad_request_for_an_unknown_model(emu: Emulator) -> None:
    with (
        emu.client(max_retries=0) as client,
        pytest.raises(BadRequestError, match="model 'gpt-nope' is not supported"),
    ):
        client.chat.completions.create(model="gpt-nope", messages=HI)


@pytest.mark.parametrize("model", ["cohere-embed-multilingual", "stable-image-ultra"])
def test_chat_takes_only_chat_models(emu: Emulator, model: str) -> None:
    response = post_chat(emu, model)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == f"model '{model}' does not support chat completions"


def test_every_listed_chat_model_chats(emu: Emulator) -> None:
    chat_models = [model for model, kinds in listed(emu).items() if "text-to-text" in kinds]
    assert {"claude-4-5-sonnet", "claude-opus-4-5", "nova-pro", "gpt-oss-120b"} <= set(chat_models)
    for model in chat_models:
        assert post_chat(emu, model).status_code == 200, model


def test_the_emulator_s_own_model_is_known() -> None:
    emu = Emulator(model="my-fine-tune")
    assert "my-fine-tune" in listed(emu)
    with emu.client() as client:
        assert client.chat.completions.create(messages=HI).model == "my-fine-tune"


def test_models_argument_adds_chat_models() -> None:
    emu = Emulator(models=["my-model", "my-other-model"])
    assert listed(emu)["my-model"] == ["text-to-text"]
    assert post_chat(emu, "my-other-model").status_code == 200
    assert post_chat(emu, "claude-4-5-sonnet").status_code == 200  # Heroku's stay known


def test_models_argument_takes_kinds() -> None:
    emu = Emulator(models={"my-embedder": "text-to-embedding"})
    assert listed(emu)["my-embedder"] == ["text-to-embedding"]
    assert post_chat(emu, "my-embedder").status_code == 400


def test_add_model(emu: Emulator) -> None:
    assert post_chat(emu, "my-model").status_code == 400
    emu.add_model("my-model")
    emu.add_model("my-reranker", kind="text-to-ranking")
    assert post_chat(emu, "my-model").status_code == 200
    assert listed(emu)["my-reranker"] == ["text-to-ranking"]
    assert emu.models["my-model"] == "text-to-text"


@pytest.mark.parametrize(
    ("model_id", "kind", "problem"),
    [
        ("", "text-to-text", "model id must be a non-empty string"),
        ("my-model", "text-to-video", "kind must be one of"),
    ],
)
def test_add_model_refuses_nonsense(emu: Emulator, model_id: str, kind: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        emu.add_model(model_id, kind=kind)
    with pytest.raises(ValueError, match=problem):
        Emulator(models={model_id: kind})


def test_models_argument_refuses_a_lone_string() -> None:
    with pytest.raises(TypeError, match="a list of model ids"):
        Emulator(models="my-model")  # type: ignore[arg-type]


@pytest.mark.heroku_emulator(models=["my-model"])
def test_the_marker_adds_models(heroku_client: Client) -> None:
    completion = heroku_client.chat.completions.create(model="my-model", messages=HI)
    assert completion.model == "my-model"
