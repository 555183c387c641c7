"""Which compute device this machine trains on: CUDA GPUs (names, memory) or the CPU.

`probe_device()` asks in a child process, so that a worker's parent process never
initialises CUDA (a CUDA context does not survive the fork into pool processes).
"""

import json
import os
import platform
import subprocess
import sys


def describe_device():
    info = {"kind": "cpu", "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()}
    try:
        import torch
    except ImportError:
        return {**info, "torch": None}
    info["torch"] = torch.__version__
    if torch.cuda.is_available():
        gpus = []
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            gpus.append({"index": index, "name": props.name, "memory_bytes": props.total_memory})
        return {**info, "kind": "cuda", "gpus": gpus}
    return info


def training_precision():
    """(device name, Trainer precision keywords): bf16 autocast where the GPU has it, fp16 with a
    loss scaler where not, TF32 matmuls and pinned memory on CUDA; plain fp32 on the CPU."""
    import torch

    if not torch.cuda.is_available():
        return "cpu", {"use_cpu": True, "dataloader_pin_memory": False}
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    precision = {"bf16": True} if torch.cuda.is_bf16_supported() else {"fp16": True}
    return torch.cuda.get_device_name(0), {**precision, "tf32": True, "dataloader_pin_memory": True}


def attention_implementation(model, reporter):
    """Which attention the model runs, said in the job's log: "sdpa" (PyTorch's scaled-dot-product kernel, what
    transformers picks where the architecture supports it) or "eager" (plain matrix products)."""
    attention = getattr(model.config, "_attn_implementation", None) or "eager"
    reporter.log(f"Attention: {attention}" + (" (PyTorch's scaled-dot-product kernel)" if attention == "sdpa" else ""))
    return attention


def probe_device(timeout=120):
    try:
        result = subprocess.run(
            [sys.executable, "-m", "training.device"], capture_output=True, text=True, timeout=timeout, check=True
        )
        return json.loads(result.stdout)
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        return {"kind": "unknown", "error": str(error)[:300]}


if __name__ == "__main__":
    print(json.dumps(describe_device()))
