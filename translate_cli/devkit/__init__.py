"""Random-weight models and a stand-in MT system for plumbing checks, shared by tests/ and benchmarks/.

Nothing in the package or the CLI uses them: they check that text moves through the stages, never what a
model says. Heavy libraries (torch, transformers, sentencepiece) are imported inside the builders; the
builders read samples/ of a source checkout.
"""
