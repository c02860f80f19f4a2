"""acr-fix: find Azure Container Registries open to the internet in ARM/Bicep templates and close them."""

__version__ = "0.1.0"
RULE_ID = "Azure.ACR.Firewall"
REGISTRY_TYPE = "microsoft.containerregistry/registries"
