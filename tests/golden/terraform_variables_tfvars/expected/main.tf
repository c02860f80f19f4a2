resource "azurerm_container_registry" "acr" {
  name                          = var.registry_name
  resource_group_name           = var.resource_group_name
  location                      = var.location
  sku                           = var.acr_sku
  public_network_access_enabled = var.acr_public_access
}
