# Sphinx configuration of the Trellis documentation.
#
# Built by `cmake --build build --target docs`, which runs Doxygen first and
# passes the location of its XML in TRELLIS_DOXYGEN_XML (see CMakeLists.txt).
import os

project = "Trellis"
author = "The Trellis authors"
copyright = "The Trellis authors, MIT licence"
version = os.environ.get("TRELLIS_VERSION", "")
release = version

extensions = ["breathe"]

root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store"]
templates_path = []

primary_domain = "cpp"
highlight_language = "none"
default_role = "code"

html_theme = "alabaster"
html_title = f"Trellis {release}".strip()
html_theme_options = {
    "description": "Compose, train and compare models of genetic perturbation responses",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_static_path = []
html_show_sourcelink = False

_xml = os.environ.get("TRELLIS_DOXYGEN_XML")
if not _xml:
    raise RuntimeError(
        "TRELLIS_DOXYGEN_XML is not set: build the docs with "
        "`cmake --build build --target docs`, which runs Doxygen first")
breathe_projects = {"trellis": _xml}
breathe_default_project = "trellis"
breathe_default_members = ("members",)
breathe_show_include = True
breathe_show_enumvalue_initializer = False
breathe_domain_by_extension = {"hpp": "cpp", "h": "cpp"}
