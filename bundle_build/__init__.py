"""The helpers of build.spec, Confab's PyInstaller build.

build.spec declares the bundle: what goes in, what stays out, what must be there. The
functions that act on those declarations live here, so that tests can call them without
building a bundle:

- ``sources``: what the source tree contributes (name and version, the app's modules,
  resources, an optional model, package metadata);
- ``pruning``: dropping files the analysis collected that the app never uses;
- ``dynlibs``: which shared libraries a binary links against;
- ``checks``: stopping the build when the bundle would lack what the app needs;
- ``windows``: the version resource of Confab.exe.

Nothing here imports PyInstaller at module level: the normal test suite runs without it
(requirements-dev.txt does not install it), so the few functions that need it import it
when they are called, which only happens inside a build.
"""
