import { classifyRequireError, createWebGpuCandidate, installedVersion } from './candidates';
import { noAdapterCandidate, writeTempTree } from './fake-candidates';
import { dawnMessages, missingVulkanLoader, parseProbeOutput, probeWebGpuAdapter } from './webgpu-probe';

/** Dawn 0.6.2's stderr on a machine without libvulkan1 (its build paths shortened) */
const NO_VULKAN_LOADER = [
  "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
  '    at operator() (/build/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)',
  '',
  '',
].join('\n');

/** …and with Debian's libvulkan1 and mesa-vulkan-drivers (lavapipe), whose limits Dawn rejects */
const LAVAPIPE = [
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/build/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
].join('\n');

describe("Dawn's messages", () => {
  it('drop source locations, join context lines and repeat nothing', () => {
    expect(dawnMessages(NO_VULKAN_LOADER)).toEqual([
      "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
    ]);
    expect(dawnMessages(LAVAPIPE)).toEqual([
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. (While initializing adapter ' +
        '(backend=BackendType::Vulkan))',
    ]);
    expect(dawnMessages('')).toEqual([]);
  });

  it('name a Vulkan loader that could not be opened, and nothing else', () => {
    expect(missingVulkanLoader(dawnMessages(NO_VULKAN_LOADER))).toBe('libvulkan.so.1');
    expect(missingVulkanLoader(dawnMessages(LAVAPIPE))).toBeUndefined();
  });

  it('a child that printed no JSON line is explained by how it ended', () => {
    expect(parseProbeOutput('', 'boom', { code: null, signal: 'SIGSEGV' })).toEqual({
      loaded: false,
      error: 'the adapter probe was killed by SIGSEGV',
      messages: ['boom'],
    });
    expect(parseProbeOutput('', '', { code: null, signal: 'SIGTERM', timedOut: true }).error).toBe(
      'the adapter probe did not answer in time',
    );
    expect(parseProbeOutput('noise\n', '', { code: 3, signal: null }).error).toBe(
      'the adapter probe exited with status 3',
    );
    expect(parseProbeOutput('{"loaded":true,"adapter":null}\n', LAVAPIPE, { code: 0, signal: null })).toEqual({
      loaded: true,
      messages: dawnMessages(LAVAPIPE),
    });
  });
});

/** an ES module standing in for Dawn's binding: `create()` gives a GPU whose requestAdapter does `body` */
function standIn(body: string): string {
  return writeTempTree({
    'package.json': JSON.stringify({ name: 'dawn-stand-in', version: '2.0.1', type: 'module', main: 'index.js' }),
    'index.js':
      `export function create() { return { requestAdapter: async () => { ${body} } }; }\nexport const ` +
      `globals = {};\n`,
  });
}

describe('the adapter probe in a child process', () => {
  it('reports an adapter and its info', async () => {
    const dir = standIn(
      "return { info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100' } };",
    );
    const probe = await probeWebGpuAdapter(`${dir}/index.js`);
    expect(probe).toEqual({
      loaded: true,
      adapter: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100' },
      messages: [],
    });
  });

  it('reports what Dawn wrote to stderr when there is no adapter, and a binding that does not load', async () => {
    const none = await probeWebGpuAdapter(
      `${standIn(`process.stderr.write(${JSON.stringify(NO_VULKAN_LOADER)}); return null;`)}/index.js`,
    );
    expect(none).toEqual({ loaded: true, messages: dawnMessages(NO_VULKAN_LOADER) });
    const broken = await probeWebGpuAdapter(
      writeTempTree({
        'package.json': '{"type":"module"}',
        'index.js': "throw new Error('dawn.node: wrong ELF class: ELFCLASS32');\n",
      }) + '/index.js',
    );
    expect(broken).toEqual({ loaded: false, error: 'dawn.node: wrong ELF class: ELFCLASS32', messages: [] });
  });
});

describe('the webgpu candidate', () => {
  it('no adapter: no-adapter with the reasons Dawn gave', async () => {
    const c = noAdapterCandidate('gpu', LAVAPIPE);
    await expect(c.activate()).rejects.toMatchObject({
      reason: 'no-adapter',
      message:
        'requestAdapter() returned null; Dawn: error: XDG_RUNTIME_DIR is invalid or not set in the ' +
        'environment. | Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. (While initializing ' +
        'adapter (backend=BackendType::Vulkan))',
    });
  });

  it('no Vulkan loader: native-addon-missing, a library the binding needs', async () => {
    const c = noAdapterCandidate('gpu', NO_VULKAN_LOADER);
    await expect(c.activate()).rejects.toMatchObject({
      reason: 'native-addon-missing',
      message:
        'Dawn could not load the Vulkan loader (libvulkan.so.1: cannot open shared object file), so ' +
        'requestAdapter() returned null',
    });
  });

  it('a missing package: not-installed, naming it', async () => {
    const c = createWebGpuCandidate({
      dawnPackage: '@driftwatch/no-dawn-here',
      tfjsPackage: '@driftwatch/no-dawn-here',
    });
    await expect(c.activate()).rejects.toMatchObject({
      reason: 'not-installed',
      message: expect.stringContaining("Cannot find module '@driftwatch/no-dawn-here'"),
    });
  });
});

describe('classifyRequireError', () => {
  it('native binaries and the libraries they link are native-addon-missing; other errors init-failed', () => {
    // the messages of docs/toolchain.md and of the dynamic loader
    expect(
      classifyRequireError(
        new Error(
          'The Node.js native addon module (tfjs_binding.node) can not be found at path: ' +
            '/x/lib/napi-v8/tfjs_binding.node.',
        ),
      ),
    ).toBe('native-addon-missing');
    expect(
      classifyRequireError(new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory')),
    ).toBe('native-addon-missing');
    expect(classifyRequireError(Object.assign(new Error('x'), { code: 'ERR_DLOPEN_FAILED' }))).toBe(
      'native-addon-missing',
    );
    expect(
      classifyRequireError(new Error("/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found")),
    ).toBe('native-addon-missing');
    expect(classifyRequireError(new TypeError("Cannot read properties of undefined (reading 'register')"))).toBe(
      'init-failed',
    );
  });

  it('installedVersion reads the package.json next to the entry file', () => {
    expect(installedVersion('@tensorflow/tfjs-core')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedVersion('@driftwatch/no-such-package')).toBeUndefined();
  });
});
