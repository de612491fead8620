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

extensions = ["breathe", "myst_parser"]

root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "README.md", "results", "Thumbs.db", ".DS_Store"]
templates_path = []

primary_domain = "cpp"
highlight_language = "none"
default_role = "code"
# Quotes in messages and code-like text stay straight.
smartquotes = False

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
html_copy_source = False

_xml = os.environ.get("TRELLIS_DOXYGEN_XML")
if not _xml:
    raise RuntimeError(
        "TRELLIS_DOXYGEN_XML is not set: build the docs with "
        "`cmake --build build --target docs`, which runs Doxygen first")
breathe_projects = {"trellis": _xml}
breathe_default_project = "trellis"
breathe_default_members = ("members", "undoc-members")
breathe_show_include = True
breathe_show_enumvalue_initializer = False
breathe_domain_by_extension = {"hpp": "cpp", "h": "cpp"}


# --- The API page must cover the whole SDK -----------------------------------
# api.rst lists the SDK's symbols one directive each, grouped by topic (one
# directive per symbol, so nothing is documented twice). This check compares
# that list with what Doxygen found in sdk/include and warns (an error under
# -W) about every public symbol the page leaves out, so the reference cannot
# silently fall behind the headers.
import re
import xml.etree.ElementTree as _ET

from sphinx.util import logging as _logging

_DIRECTIVE = re.compile(
    r"^\.\.\s+doxygen(class|struct|function|enum|typedef|variable|define)::\s*([^\s(]+)",
    re.MULTILINE)


def _sdk_symbols(xml_dir):
    """(directive kind, qualified name) -> how many declarations Doxygen saw."""
    root = _ET.parse(os.path.join(xml_dir, "index.xml")).getroot()
    classes = {c.findtext("name") for c in root.findall("compound")
               if c.get("kind") in ("class", "struct")}
    found = {}
    for compound in root.findall("compound"):
        kind, name = compound.get("kind"), compound.findtext("name")
        if kind in ("class", "struct") and name.startswith("trellis::sdk::"):
            if name.rpartition("::")[0] in classes:
                continue  # nested: documented with its enclosing class
            found[(kind, name)] = found.get((kind, name), 0) + 1
        elif kind == "namespace" and (name == "trellis::sdk" or name.startswith("trellis::sdk::")):
            for member in compound.findall("member"):
                mkind = member.get("kind")
                if mkind in ("function", "enum", "typedef", "variable"):
                    key = (mkind, name + "::" + member.findtext("name"))
                    found[key] = found.get(key, 0) + 1
        elif kind == "file":
            for member in compound.findall("member"):
                if member.get("kind") == "define":
                    found[("define", member.findtext("name"))] = 1
    return found


def _check_api_coverage(app):
    logger = _logging.getLogger("trellis.api")
    with open(os.path.join(app.srcdir, "api.rst"), encoding="utf-8") as f:
        listed = {}
        for kind, name in _DIRECTIVE.findall(f.read()):
            listed[(kind, name)] = listed.get((kind, name), 0) + 1
    for (kind, name), count in sorted(_sdk_symbols(breathe_projects["trellis"]).items()):
        have = listed.get((kind, name), 0)
        if have < count:
            what = f"{count} overloads of " if count > 1 else ""
            logger.warning(
                "api.rst does not document %s%s %s (found in sdk/include); add "
                "'.. doxygen%s:: %s' to the section it belongs to%s",
                what, kind, name, kind, name,
                " (one directive per overload, with its parameter list)" if count > 1 else "",
                location="api")


def setup(app):
    app.connect("builder-inited", _check_api_coverage)
    return {"parallel_read_safe": True}
