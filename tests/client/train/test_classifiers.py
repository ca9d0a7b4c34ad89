"""The image classifiers a config.json can name: SmolCluster's MLP and ByzPy's CNN, sized from the config."""

from __future__ import annotations

import pytest
import torch

from client.train.classifiers import SimpleNN, SmallCNN, build_classifier
from client.train.errors import ModelConfigError
from client.train.model_families import ModelFamily, build_network, model_family, output_size
from client.train.optim_config import DistroConfig
from client.train.schedule import ConstantLR
from client.train.trainer import Trainer

MNIST_MLP = {"model_type": "simple-nn", "image_height": 28, "image_width": 28}


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {name: tuple(param.shape) for name, param in model.named_parameters()}


def test_simple_nn_is_smolclusters_mlp_784_256_512_10() -> None:
    model = build_network(MNIST_MLP, seed=0)

    assert isinstance(model, SimpleNN)
    assert _shapes(model) == {
        "fc1.weight": (256, 784),
        "fc1.bias": (256,),
        "fc2.weight": (512, 256),
        "fc2.bias": (512,),
        "fc3.weight": (10, 512),
        "fc3.bias": (10,),
    }
    assert build_network(MNIST_MLP | {"hidden": 32}, seed=0).fc2.weight.shape == (128, 256)  # 4 x hidden


def test_small_cnn_is_byzpys_conv16_conv32_fc128_fc10_sized_by_the_input() -> None:
    digits = build_network({"model_type": "small-cnn", "image_height": 8, "image_width": 8}, seed=0)
    mnist = build_network({"model_type": "small-cnn", "image_height": 28, "image_width": 28}, seed=0)

    assert isinstance(digits, SmallCNN)
    assert _shapes(digits)["conv1.weight"] == (16, 1, 3, 3) and _shapes(digits)["conv2.weight"] == (32, 16, 3, 3)
    assert _shapes(digits)["fc1.weight"] == (128, 32 * 2 * 2) and _shapes(mnist)["fc1.weight"] == (128, 32 * 7 * 7)
    assert _shapes(mnist)["fc2.weight"] == (10, 128)
    samples = torch.randint(0, 256, (5, 1 + 28 * 28))
    assert mnist(samples).shape == (5, 10)


def test_initialisation_depends_only_on_the_seed() -> None:
    first, again, other = (build_classifier(MNIST_MLP, seed) for seed in (3, 3, 4))

    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), again.parameters(), strict=True))
    assert not torch.equal(first.fc1.weight, other.fc1.weight)
    assert not first.fc1.bias.detach().any()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "resnet-50"}, "model_type 'resnet-50', which this client cannot train"),
        ({"model_type": "simple-nn", "image_width": 28}, "image_height must be an integer 4..512"),
        (MNIST_MLP | {"num_classes": 1}, "num_classes must be an integer 2..256"),
        (MNIST_MLP | {"hidden": "128"}, "hidden must be an integer"),
        ({"model_type": "small-cnn", "image_height": 10, "image_width": 10}, "multiples of 4"),
    ],
)
def test_a_config_this_client_cannot_build_is_refused_by_name(config: dict[str, object], message: str) -> None:
    with pytest.raises(ModelConfigError, match=message):
        build_network(config, seed=0)


def test_the_family_follows_model_type_and_llama_is_the_default() -> None:
    assert model_family({"model_type": "llama"}) is ModelFamily.CausalLM
    assert model_family(MNIST_MLP) is ModelFamily.ImageClassifier
    assert output_size(build_network(MNIST_MLP | {"num_classes": 7}, seed=0)) == 7


def test_a_distro_step_lowers_the_classification_loss_and_records_the_gradient_norm() -> None:
    torch.manual_seed(0)
    model = build_classifier({"model_type": "small-cnn", "image_height": 8, "image_width": 8}, seed=1)
    model.input_max = 16.0
    trainer = Trainer(model, DistroConfig(0.999, 8, 64, True, clip_grad_norm=1.0), ConstantLR(1e-2, 0.0, 0))
    trainer.track_gradients = True
    labels = torch.arange(8) % 2
    pixels = labels[:, None] * 16 * (torch.arange(64)[None, :] % 2)  # class 1: striped, class 0: blank
    batch = torch.cat([labels[:, None], pixels], dim=1)

    before = trainer.evaluate(batch)
    previous: list = []
    for step in range(1, 6):
        output = trainer.train(step, batch, prev_self=previous)
        assert output.result is not None
        previous = [output.result]
        trainer.optimize(step, [output.result.for_transmission(True)])

    assert trainer.evaluate(batch) < before
    assert trainer.last_grad_norm is not None and trainer.last_grad_norm > 0
    assert set(trainer.last_layer_norms) == {name for name, _ in model.named_parameters()}
