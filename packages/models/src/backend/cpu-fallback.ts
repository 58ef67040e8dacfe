/**
 * Per-op fallback to the cpu backend for kernels a backend lacks (issue 8: "register one or fall back
 * per-op with a logged warning, never silently to wrong numbers"). The inputs are copied to the cpu
 * backend, tfjs's own cpu kernel runs, and the outputs are copied back; gradients are registered per
 * kernel name, not per backend, so a fallback also serves the backward pass. The first use of each
 * fallback is logged, because every call pays two copies (and a GPU backend a synchronous read).
 */
import * as tf from '@tensorflow/tfjs';

/** The kernels of tfjs's cpu backend, taken before anything else registers cpu kernels of its own. */
const TFJS_CPU_KERNELS: readonly string[] = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);

/** dtypes whose values are one flat typed array on every backend, which is what the copies handle */
const COPYABLE = new Set<string>(['float32', 'int32', 'bool']);

/** (backend, kernel) pairs registered here, so that a kernel is wrapped once per process */
const registered = new Set<string>();

type Backend = tf.KernelBackend;
type KernelArgs = { inputs: tf.NamedTensorInfoMap | tf.TensorInfo[]; backend: Backend; attrs?: tf.NamedAttrMap };

/** tfjs cpu kernels that `backendName` has no kernel for, in registry order */
export function kernelsMissingOn(backendName: string): string[] {
  const present = new Set(tf.getKernelsForBackend(backendName).map((k) => k.kernelName));
  return TFJS_CPU_KERNELS.filter((name) => !present.has(name));
}

function copyValues(values: tf.backend_util.BackendValues): tf.backend_util.BackendValues {
  // a wasm read may be a view of its heap, which detaches when the heap grows
  return ArrayBuffer.isView(values) ? (values as Float32Array).slice() : values;
}

/** a kernel error in the engine's own words, so that callers classify it like a missing kernel */
function cannotCarry(kernelName: string, backendName: string, dtype: string): Error {
  return new Error(
    `Kernel '${kernelName}' not registered for backend '${backendName}' (its cpu fallback cannot ` +
      `carry ${dtype} tensors)`,
  );
}

/** The fallback kernel function: inputs to cpu, tfjs's cpu kernel, outputs back. */
export function cpuFallbackKernel(kernelName: string, backendName: string, onFirstUse: () => void): tf.KernelFunc {
  let used = false;
  return (({ inputs, backend, attrs }: KernelArgs) => {
    if (!used) {
      used = true;
      onFirstUse();
    }
    const cpu = tf.findBackend('cpu') as Backend;
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    if (!cpuKernel) throw new Error(`Kernel '${kernelName}' not registered for backend '${backendName}' (nor for cpu)`);
    const moved: tf.DataId[] = [];
    const toCpu = (t: tf.TensorInfo): tf.TensorInfo => {
      if (!COPYABLE.has(t.dtype)) throw cannotCarry(kernelName, backendName, t.dtype);
      const dataId = cpu.write(copyValues(backend.readSync(t.dataId)), t.shape, t.dtype);
      moved.push(dataId);
      return { dataId, shape: t.shape, dtype: t.dtype };
    };
    const cpuInputs = Array.isArray(inputs)
      ? inputs.map(toCpu)
      : Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, toCpu(t as tf.TensorInfo)]));
    try {
      const out = cpuKernel.kernelFunc({
        inputs: cpuInputs as tf.NamedTensorInfoMap,
        backend: cpu,
        attrs: attrs ?? {},
      });
      const outs = Array.isArray(out) ? out : [out];
      const back = outs.map((o) => {
        try {
          if (!COPYABLE.has(o.dtype)) throw cannotCarry(kernelName, backendName, o.dtype);
          return {
            dataId: backend.write(copyValues(cpu.readSync(o.dataId)), o.shape, o.dtype),
            shape: o.shape,
            dtype: o.dtype,
          };
        } finally {
          cpu.disposeData(o.dataId);
        }
      });
      return Array.isArray(out) ? back : back[0];
    } finally {
      for (const id of moved) cpu.disposeData(id);
    }
  }) as unknown as tf.KernelFunc;
}

/**
 * Registers a cpu fallback for every tfjs cpu kernel `backendName` lacks; `warn` gets one line at the
 * first use of each. Returns the names now served by a fallback (also those registered by an earlier call).
 */
export function registerCpuFallbacks(backendName: string, warn: (line: string) => void): string[] {
  if (backendName === 'cpu') return [];
  const served: string[] = [];
  for (const kernelName of TFJS_CPU_KERNELS) {
    const key = `${backendName}\u0000${kernelName}`;
    if (registered.has(key)) {
      served.push(kernelName);
      continue;
    }
    if (tf.getKernel(kernelName, backendName)) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: cpuFallbackKernel(kernelName, backendName, () =>
        warn(
          `tfjs backend '${backendName}' has no kernel '${kernelName}': running it on cpu (correct, but ` +
            `each call copies its tensors both ways)`,
        ),
      ),
    });
    registered.add(key);
    served.push(kernelName);
  }
  return served;
}
