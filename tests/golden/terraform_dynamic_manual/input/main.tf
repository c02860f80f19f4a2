resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium"

  dynamic "network_rule_set" {
    for_each = var.network_rule_set != null ? [var.network_rule_set] : []
    content {
      default_action = network_rule_set.value.default_action
    }
  }
}

resource "azurerm_container_registry" "computed" {
  name                          = "contosocomputed"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  sku                           = "Premium"
  public_network_access_enabled = var.environment == "prod" ? false : true
}

module "third_party" {
  source = "example-org/container-registry/azurerm"

  name = "contosothird"
}
